/**
 * One step of the SQLite schema. Step N takes a database from `PRAGMA user_version` N - 1 to N, in
 * one transaction. Steps are history: never edit a released one, append a new one (and keep a
 * fixture of the old version in test/lib/store/fixtures/).
 */
export type Migration = {
  version: number;
  description: string;
  sql: string;
};

// Amounts are uint256 as canonical decimal TEXT (no sign, no leading zeros): SQLite integers stop
// at 2^63. Canonical form lets SQL compare two amounts as (length, text). Times are INTEGER unix
// milliseconds, except closes_at, which is chain time in seconds.
const decimal = (column: string) =>
  `${column} TEXT NOT NULL CHECK (${column} NOT GLOB '*[^0-9]*' AND ${column} <> '' AND (${column} = '0' OR ${column} NOT GLOB '0*'))`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "channels, received and issued vouchers, claims, meta",
    sql: `
      CREATE TABLE channels (
        id TEXT PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        escrow TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('payer', 'payee')),
        payer TEXT NOT NULL,
        payee TEXT NOT NULL,
        signer TEXT NOT NULL,
        dispute_window INTEGER NOT NULL,
        ${decimal("salt")},
        status TEXT NOT NULL CHECK (status IN ('opening', 'open', 'closing', 'closed')),
        ${decimal("deposit")},
        ${decimal("claimed")},
        closes_at INTEGER,
        opened_tx TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX channels_by_role_status ON channels (role, status);
      CREATE INDEX channels_closing ON channels (closes_at) WHERE status = 'closing';

      -- The best (highest) voucher received per channel: the one a payee claims with.
      CREATE TABLE received_vouchers (
        channel_id TEXT PRIMARY KEY REFERENCES channels (id),
        ${decimal("amount")},
        signature TEXT NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT;

      -- The highest amount a payer reserved (before signing): nothing at or below it is signed again.
      CREATE TABLE issued_vouchers (
        channel_id TEXT PRIMARY KEY REFERENCES channels (id),
        ${decimal("amount")},
        reserved_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE claims (
        tx_ref TEXT NOT NULL,
        channel_id TEXT NOT NULL REFERENCES channels (id),
        ${decimal("amount")},
        status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'failed')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tx_ref, channel_id)
      ) STRICT;
      CREATE INDEX claims_by_channel ON claims (channel_id);

      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
];

/** The schema version this seedpay writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
