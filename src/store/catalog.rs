//! Queries on products, customers and promotions.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{Row, params};

use super::time::{format_date, format_datetime, parse_date};
use super::{
    Customer, Product, Promotion, PromotionKind, Store, StoreError, Tier, query_all, query_one,
};

const PRODUCT_COLUMNS: &str = "id, sku, name_zh, name_en, aliases, category, brand, specs, price_cents, stock, \
                               warranty_months, colours, sizes";

/// Joins a list for a `|`-separated text column.
pub(super) fn join_list(items: &[String]) -> String {
    items.join("|")
}

/// Splits a `|`-separated text column.
pub(super) fn split_list(s: &str) -> Vec<String> {
    s.split('|')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn product_from_row(row: &Row<'_>) -> Result<Product, StoreError> {
    let specs: String = row.get(7)?;
    Ok(Product {
        id: row.get(0)?,
        sku: row.get(1)?,
        name_zh: row.get(2)?,
        name_en: row.get(3)?,
        aliases: split_list(&row.get::<_, String>(4)?),
        category: row.get(5)?,
        brand: row.get(6)?,
        specs: serde_json::from_str(&specs).map_err(|_| StoreError::Corrupt {
            column: "products.specs",
            value: specs.clone(),
        })?,
        price_cents: row.get(8)?,
        stock: row.get(9)?,
        warranty_months: row.get(10)?,
        colours: split_list(&row.get::<_, String>(11)?),
        sizes: split_list(&row.get::<_, String>(12)?),
    })
}

const CUSTOMER_COLUMNS: &str = "id, phone, name, language, tier, points";

fn customer_from_row(row: &Row<'_>) -> Result<Customer, StoreError> {
    let lang: String = row.get(3)?;
    let tier: String = row.get(4)?;
    Ok(Customer {
        id: row.get(0)?,
        phone: row.get(1)?,
        name: row.get(2)?,
        language: lang.parse().map_err(|_| StoreError::Corrupt {
            column: "customers.language",
            value: lang.clone(),
        })?,
        tier: Tier::parse(&tier).ok_or(StoreError::Corrupt {
            column: "customers.tier",
            value: tier.clone(),
        })?,
        points: row.get(5)?,
    })
}

fn promotion_from_row(row: &Row<'_>) -> Result<Promotion, StoreError> {
    let kind: String = row.get(3)?;
    Ok(Promotion {
        code: row.get(0)?,
        description_zh: row.get(1)?,
        description_en: row.get(2)?,
        kind: PromotionKind::parse(&kind).ok_or(StoreError::Corrupt {
            column: "promotions.kind",
            value: kind.clone(),
        })?,
        value: row.get(4)?,
        min_spend_cents: row.get(5)?,
        valid_from: parse_date("promotions.valid_from", &row.get::<_, String>(6)?)?,
        valid_to: parse_date("promotions.valid_to", &row.get::<_, String>(7)?)?,
        categories: split_list(&row.get::<_, String>(8)?),
    })
}

impl Store {
    /// Adds a product; returns its id.
    pub fn insert_product(&self, p: &Product) -> Result<i64, StoreError> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO products (sku, name_zh, name_en, aliases, category, brand, specs, price_cents, stock, \
             warranty_months, colours, sizes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                p.sku,
                p.name_zh,
                p.name_en,
                join_list(&p.aliases),
                p.category,
                p.brand,
                serde_json::Value::Object(p.specs.clone()).to_string(),
                p.price_cents,
                p.stock,
                p.warranty_months,
                join_list(&p.colours),
                join_list(&p.sizes),
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// One product by id.
    pub fn product(&self, id: i64) -> Result<Option<Product>, StoreError> {
        query_one(
            &self.lock(),
            &format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ?1"),
            [id],
            product_from_row,
        )
    }

    /// The whole catalogue, by id.
    pub fn products(&self) -> Result<Vec<Product>, StoreError> {
        query_all(
            &self.lock(),
            &format!("SELECT {PRODUCT_COLUMNS} FROM products ORDER BY id"),
            [],
            product_from_row,
        )
    }

    /// In-stock products of a category at or under a price, dearest first.
    pub fn products_in_category(
        &self,
        category: &str,
        max_price_cents: Option<i64>,
    ) -> Result<Vec<Product>, StoreError> {
        query_all(
            &self.lock(),
            &format!(
                "SELECT {PRODUCT_COLUMNS} FROM products WHERE category = ?1 AND stock > 0 AND price_cents <= ?2 \
                 ORDER BY price_cents DESC, id"
            ),
            params![category, max_price_cents.unwrap_or(i64::MAX)],
            product_from_row,
        )
    }

    /// Number of products (0 means the shop has not been seeded).
    pub fn product_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT COUNT(*) FROM products", [], |r| r.get(0))?)
    }

    /// Adds a customer; returns its id.
    pub fn insert_customer(&self, c: &Customer, created: NaiveDateTime) -> Result<i64, StoreError> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO customers (phone, name, language, tier, points, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                c.phone,
                c.name,
                c.language.code(),
                c.tier.as_str(),
                c.points,
                format_datetime(created)
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// A customer by phone number in E.164 form.
    pub fn customer_by_phone(&self, phone: &str) -> Result<Option<Customer>, StoreError> {
        query_one(
            &self.lock(),
            &format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE phone = ?1"),
            [phone],
            customer_from_row,
        )
    }

    /// A customer by id.
    pub fn customer(&self, id: i64) -> Result<Option<Customer>, StoreError> {
        query_one(
            &self.lock(),
            &format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = ?1"),
            [id],
            customer_from_row,
        )
    }

    /// Adds a promotion.
    pub fn insert_promotion(&self, p: &Promotion) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT INTO promotions (code, description_zh, description_en, kind, value, min_spend_cents, \
             valid_from, valid_to, categories) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                p.code,
                p.description_zh,
                p.description_en,
                p.kind.as_str(),
                p.value,
                p.min_spend_cents,
                format_date(p.valid_from),
                format_date(p.valid_to),
                join_list(&p.categories),
            ],
        )?;
        Ok(())
    }

    /// Promotions valid on a day, ending soonest first.
    pub fn active_promotions(&self, day: NaiveDate) -> Result<Vec<Promotion>, StoreError> {
        query_all(
            &self.lock(),
            "SELECT code, description_zh, description_en, kind, value, min_spend_cents, valid_from, valid_to, \
             categories FROM promotions WHERE valid_from <= ?1 AND valid_to >= ?1 ORDER BY valid_to, code",
            [format_date(day)],
            promotion_from_row,
        )
    }
}
