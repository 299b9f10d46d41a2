import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import Database from "better-sqlite3";
import { SCHEMA_VERSION, SqliteStore, StoreOpenError, StoreVersionError } from "../../../src/store";
import { MIGRATIONS, type Migration } from "../../../src/store/migrations";
import { openDatabase } from "../../../src/store/openDatabase";
import { catchError } from "./storeSuite";
import { tempDir } from "./helpers";

const FIXTURE_V1 = path.join(__dirname, "fixtures", "v1.sql");
const V1_PAYEE = "0x6f25cb38f5fed10b9bf913a62d09d28d756d52d7d4ddbe38648f11653c9f506d";
const V1_PAYER = "0x4ffc5f6088fb490a38dba1fe3e5d701e74201e24b4f8da5a92f6102f31e914a3";

/** A made-up next version, to exercise an upgrade the way a real v2 would run. */
const V2: Migration = {
  version: 2,
  description: "test: channel labels",
  sql: "ALTER TABLE channels ADD COLUMN label TEXT; UPDATE channels SET label = role || ':' || substr(id, 3, 4);",
};

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

function schemaOf(file: string): { type: string; name: string; sql: string }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name").all() as never;
  } finally {
    db.close();
  }
}

/** Writes the v1 fixture into a database file (rollback journal, as a plain SQLite file). */
function loadFixtureV1(file: string): void {
  const db = new Database(file);
  db.exec(readFileSync(FIXTURE_V1, "utf8"));
  db.close();
}

describe("store schema and migrations", () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it("creates a fresh database at the current version", () => {
    const file = dir.file("fresh.db");
    new SqliteStore(file).close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).to.equal(SCHEMA_VERSION);
    expect(db.pragma("journal_mode", { simple: true })).to.equal("wal");
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).to.deep.equal(["channels", "claims", "issued_vouchers", "meta", "received_vouchers"]);
    db.close();
  });

  it("opens connections with WAL, synchronous FULL, foreign keys on and the busy timeout", () => {
    const db = openDatabase(dir.file("p.db"), { migrations: MIGRATIONS, busyTimeoutMs: 1234 });
    expect(db.pragma("journal_mode", { simple: true })).to.equal("wal");
    expect(db.pragma("synchronous", { simple: true })).to.equal(2); // FULL
    expect(db.pragma("foreign_keys", { simple: true })).to.equal(1);
    expect(db.pragma("busy_timeout", { simple: true })).to.equal(1234);
    expect(() => db.prepare("INSERT INTO received_vouchers VALUES ('0x00', '1', '0x', 0)").run()).to.throw(
      /FOREIGN KEY/,
    );
    db.close();
  });

  it("reopens a current database without migrating again", () => {
    const file = dir.file("re.db");
    const store = new SqliteStore(file);
    store.setMeta("k", "v");
    store.close();
    const reopened = new SqliteStore(file);
    expect(reopened.getMeta("k")).to.equal("v");
    reopened.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).to.equal(SCHEMA_VERSION);
    db.close();
  });

  describe("the v1 fixture", () => {
    it("has exactly the schema migration 1 creates (released migrations are never edited)", () => {
      const fixture = dir.file("fixture.db");
      loadFixtureV1(fixture);
      const fresh = dir.file("v1.db");
      openDatabase(fresh, { migrations: MIGRATIONS.slice(0, 1) }).close();
      const norm = (s: ReturnType<typeof schemaOf>) => s.map((o) => ({ ...o, sql: o.sql.replace(/\s+/g, " ") }));
      expect(norm(schemaOf(fixture))).to.deep.equal(norm(schemaOf(fresh)));
    });

    it("opens with this seedpay and reads back every record", () => {
      const file = dir.file("fixture.db");
      loadFixtureV1(file);
      const store = new SqliteStore(file);
      expect(store.getChannel(V1_PAYEE)).to.deep.include({
        chainId: 2494104990,
        role: "payee",
        status: "closing",
        deposit: 990n * 10n ** 30n,
        claimed: 10n ** 20n,
        closesAt: 1_700_086_400,
        openedTx: "0x" + "0a".repeat(32),
      });
      expect(store.getChannel(V1_PAYER)!.key.salt).to.equal(2n ** 64n - 1n);
      expect(store.getBestReceivedVoucher(V1_PAYEE)!.cumulativeAmount).to.equal(2n ** 110n);
      expect(store.getHighestIssuedVoucher(V1_PAYER)!.cumulativeAmount).to.equal(12345678901234567890123n);
      expect(store.getClaim("0b".repeat(32), V1_PAYEE)!.status).to.equal("confirmed");
      expect(store.getMeta("watcher.cursor")).to.equal('{"block":123456}');
      expect(() => store.reserveIssuedVoucher(V1_PAYER, 12345678901234567890123n)).to.throw(/already issued/);
      store.close();
    });

    it("upgrades from version 1 to a newer version in one step, keeping the data", () => {
      const file = dir.file("fixture.db");
      loadFixtureV1(file);
      const db = openDatabase(file, { migrations: [...MIGRATIONS, V2] });
      expect(db.pragma("user_version", { simple: true })).to.equal(2);
      expect(db.prepare("SELECT label FROM channels WHERE id = ?").pluck().get(V1_PAYEE)).to.equal("payee:6f25");
      expect(db.prepare("SELECT amount FROM received_vouchers").pluck().get()).to.equal((2n ** 110n).toString());
      db.close();
    });

    it("leaves the database at the old version when a migration step fails", () => {
      const file = dir.file("fixture.db");
      loadFixtureV1(file);
      const broken: Migration = {
        version: 2,
        description: "test: fails halfway",
        sql: "CREATE TABLE t (x); INSERT INTO nope VALUES (1);",
      };
      const err = catchError(() => openDatabase(file, { migrations: [...MIGRATIONS, broken] }));
      expect(err).to.be.instanceOf(StoreOpenError);
      expect((err as StoreOpenError).shortMessage).to.equal(
        `cannot open database at ${file}: migration to schema version 2 failed`,
      );
      expect(((err as Error).cause as Error).message).to.match(/no such table: nope/);
      const db = new Database(file, { readonly: true });
      expect(db.pragma("user_version", { simple: true })).to.equal(1);
      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 't'").pluck().get()).to.equal(0);
      db.close();
      const store = new SqliteStore(file);
      expect(store.getMeta("watcher.cursor")).to.equal('{"block":123456}');
      store.close();
    });
  });

  describe("a database from a newer seedpay", () => {
    const refusal = (file: string, version: number) =>
      `database at ${file} has schema version ${version}; this seedpay supports up to ${SCHEMA_VERSION} — upgrade seedpay or use another database`;

    function expectRefusedUntouched(file: string, version: number): void {
      const hash = sha256(file);
      const files = readdirSync(dir.dir).sort();
      const err = catchError(() => new SqliteStore(file));
      expect(err).to.be.instanceOf(StoreVersionError);
      expect(err).to.include({ path: file, version, supportedVersion: SCHEMA_VERSION });
      expect((err as StoreVersionError).shortMessage).to.equal(refusal(file, version));
      expect((err as Error).message).to.equal(`${refusal(file, version)}\n\nDetails: the database was not modified`);
      expect(sha256(file)).to.equal(hash);
      expect(readdirSync(dir.dir).sort()).to.deep.equal(files);
    }

    it("refuses one written with a rollback journal, leaving the file untouched", () => {
      const file = dir.file("newer.db");
      loadFixtureV1(file);
      const db = openDatabase(file, { migrations: [...MIGRATIONS, V2] });
      db.pragma("journal_mode = DELETE");
      db.close();
      expectRefusedUntouched(file, 2);
      const check = new Database(file, { readonly: true });
      expect(check.pragma("journal_mode", { simple: true })).to.equal("delete");
      check.close();
    });

    it("refuses one in WAL mode, leaving the file untouched", () => {
      const file = dir.file("newer.db");
      const db = new Database(file);
      db.pragma("journal_mode = WAL");
      db.pragma("user_version = 99");
      db.close();
      expectRefusedUntouched(file, 99);
    });

    it("refuses one whose newer version is still only in its WAL", () => {
      const file = dir.file("newer.db");
      new SqliteStore(file).close();
      // A newer seedpay, still running: its upgrade is committed to the WAL, not yet to the file.
      const newer = new Database(file);
      newer.pragma("wal_autocheckpoint = 0");
      newer.pragma("user_version = 5");
      expect(readFileSync(file).readUInt32BE(60)).to.equal(SCHEMA_VERSION);
      expectRefusedUntouched(file, 5);
      newer.close();
    });
  });

  it("refuses a file that is not a SQLite database, leaving it untouched", () => {
    const file = dir.file("notes.txt");
    writeFileSync(file, "x".repeat(4096));
    const err = catchError(() => new SqliteStore(file));
    expect(err).to.be.instanceOf(StoreOpenError);
    expect((err as StoreOpenError).shortMessage).to.equal(
      `cannot open database at ${file}: cannot read its schema version`,
    );
    expect((err as StoreOpenError).details).to.equal("file is not a database");
    expect(readFileSync(file, "utf8")).to.equal("x".repeat(4096));
  });
});
