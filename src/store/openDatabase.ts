import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { StoreOpenError, StoreVersionError } from "./errors";
import type { Migration } from "./migrations";

export type OpenDatabaseOptions = {
  /** Ordered steps; the last one's version is the newest this code supports. */
  migrations: readonly Migration[];
  /** How long a write waits for another connection's lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
};

const SQLITE_MAGIC = "SQLite format 3\0";
/** Offset of `PRAGMA user_version` in the database header (big-endian uint32). */
const USER_VERSION_OFFSET = 60;

/**
 * Opens (or creates) a SQLite database for the store: WAL, synchronous FULL, foreign keys, a busy
 * timeout, then applies the missing migrations, one transaction each. A database from a newer
 * version is refused before anything is written to it.
 */
export function openDatabase(
  path: string,
  { migrations, busyTimeoutMs = 5000 }: OpenDatabaseOptions,
): Database.Database {
  const supported = checkMigrations(migrations);
  const inMemory = path === ":memory:" || path === "";
  if (!inMemory) refuseNewer(path, supported);

  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (cause) {
    throw new StoreOpenError(path, undefined, { cause });
  }
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const version = readVersion(db, path);
    if (version > supported) throw new StoreVersionError(path, version, supported);
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (!inMemory && mode !== "wal") {
      throw new StoreOpenError(path, `journal_mode is ${String(mode)}, not wal`, {
        metaMessages: ["Put the database on a local file system that supports SQLite's WAL mode."],
      });
    }
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    migrate(db, path, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies the migrations above the database's version, each with its version bump in one transaction. */
export function migrate(db: Database.Database, path: string, migrations: readonly Migration[]): void {
  for (const migration of migrations) {
    const step = db.transaction(() => {
      // Re-read inside the write lock: another process may have applied this step meanwhile.
      if (readVersion(db, path) >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      step.immediate();
    } catch (cause) {
      throw new StoreOpenError(path, `migration to schema version ${migration.version} failed`, {
        metaMessages: ["The database was left at the version before it; report this with the cause."],
        cause,
      });
    }
  }
}

function readVersion(db: Database.Database, path: string): number {
  try {
    return db.pragma("user_version", { simple: true }) as number;
  } catch (cause) {
    throw new StoreOpenError(path, "cannot read its schema version", {
      metaMessages: ["Is it a database seedpay created? A new store needs a new or empty file."],
      cause,
    });
  }
}

function checkMigrations(migrations: readonly Migration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${i} has version ${m.version}, expected ${i + 1}`);
  });
  return migrations.length;
}

/**
 * Throws StoreVersionError if an existing file is newer than `supported`, without writing to it:
 * a read-write connection would switch it to WAL and checkpoint it on close. The header holds the
 * version unless a newer one sits in an un-checkpointed WAL, which only a connection can read.
 */
function refuseNewer(path: string, supported: number): void {
  if (!existsSync(path)) return;
  const header = Buffer.alloc(100);
  const fd = openSync(path, "r");
  let read: number;
  try {
    read = readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read < header.length || header.toString("latin1", 0, 16) !== SQLITE_MAGIC) return; // empty or not SQLite: the open reports it
  let version = header.readUInt32BE(USER_VERSION_OFFSET);
  const wal = `${path}-wal`;
  if (version <= supported && existsSync(wal) && statSync(wal).size > 0) {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      version = db.pragma("user_version", { simple: true }) as number;
    } finally {
      db.close();
    }
  }
  if (version > supported) throw new StoreVersionError(path, version, supported);
}
