-- kefu store, version 1: catalogue, customers, orders, logistics, promotions, tickets, conversations.
-- Portable SQL (SQLite today, Postgres later): TEXT timestamps as 'YYYY-MM-DD HH:MM:SS', money in integer cents.

CREATE TABLE products (
    id              INTEGER PRIMARY KEY,
    sku             TEXT NOT NULL UNIQUE,
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    aliases         TEXT NOT NULL DEFAULT '',
    category        TEXT NOT NULL,
    brand           TEXT NOT NULL DEFAULT '',
    specs           TEXT NOT NULL DEFAULT '{}',
    price_cents     INTEGER NOT NULL,
    stock           INTEGER NOT NULL,
    warranty_months INTEGER NOT NULL,
    colours         TEXT NOT NULL DEFAULT '',
    sizes           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX products_category ON products (category);

CREATE TABLE customers (
    id       INTEGER PRIMARY KEY,
    phone    TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    language TEXT NOT NULL,
    tier     TEXT NOT NULL,
    points   INTEGER NOT NULL DEFAULT 0,
    created  TEXT NOT NULL
);

CREATE TABLE orders (
    id                INTEGER PRIMARY KEY,
    order_number      TEXT NOT NULL UNIQUE,
    customer_id       INTEGER NOT NULL REFERENCES customers (id),
    status            TEXT NOT NULL,
    address           TEXT NOT NULL,
    phone             TEXT NOT NULL,
    delivery_window   TEXT NOT NULL DEFAULT '',
    subtotal_cents    INTEGER NOT NULL,
    discount_cents    INTEGER NOT NULL DEFAULT 0,
    shipping_cents    INTEGER NOT NULL DEFAULT 0,
    total_cents       INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    paid_at           TEXT,
    shipped_at        TEXT,
    delivered_at      TEXT,
    courier           TEXT,
    tracking_number   TEXT,
    eta               TEXT
);
CREATE INDEX orders_customer ON orders (customer_id);

CREATE TABLE order_items (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders (id),
    product_id       INTEGER NOT NULL REFERENCES products (id),
    quantity         INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    colour           TEXT NOT NULL DEFAULT '',
    size             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX order_items_order ON order_items (order_id);

CREATE TABLE logistics_events (
    id             INTEGER PRIMARY KEY,
    order_id       INTEGER NOT NULL REFERENCES orders (id),
    at             TEXT NOT NULL,
    location_zh    TEXT NOT NULL,
    location_en    TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    description_en TEXT NOT NULL
);
CREATE INDEX logistics_events_order ON logistics_events (order_id);

CREATE TABLE promotions (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    description_zh TEXT NOT NULL,
    description_en TEXT NOT NULL,
    kind           TEXT NOT NULL,
    value          INTEGER NOT NULL,
    min_spend_cents INTEGER NOT NULL DEFAULT 0,
    valid_from     TEXT NOT NULL,
    valid_to       TEXT NOT NULL,
    categories     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    order_id    INTEGER REFERENCES orders (id),
    customer_id INTEGER REFERENCES customers (id),
    state       TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '',
    appointment TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX tickets_order ON tickets (order_id);
CREATE INDEX tickets_customer ON tickets (customer_id);

CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    channel     TEXT NOT NULL,
    caller      TEXT,
    customer_id INTEGER REFERENCES customers (id),
    lang        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    outcome     TEXT
);

CREATE TABLE turns (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    channel         TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    at              TEXT NOT NULL,
    speaker         TEXT NOT NULL,
    text            TEXT NOT NULL,
    lang            TEXT NOT NULL,
    intent          TEXT,
    confidence      REAL,
    entities        TEXT NOT NULL DEFAULT '[]',
    sentiment       REAL,
    reply           TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    UNIQUE (conversation_id, seq)
);
