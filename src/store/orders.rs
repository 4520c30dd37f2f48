//! Queries on orders, their items and their logistics events.

use chrono::NaiveDateTime;
use rusqlite::{Row, params};

use super::time::{format_date, format_datetime, parse_date, parse_datetime};
use super::{
    LogisticsEvent, NewOrderItem, Order, OrderItem, OrderStatus, Store, StoreError, query_all,
    query_one,
};

const ORDER_COLUMNS: &str = "id, order_number, customer_id, status, address, phone, delivery_window, \
    subtotal_cents, discount_cents, shipping_cents, total_cents, created_at, paid_at, shipped_at, delivered_at, \
    courier, tracking_number, eta";

fn optional_datetime(
    column: &'static str,
    value: Option<String>,
) -> Result<Option<NaiveDateTime>, StoreError> {
    value.map(|s| parse_datetime(column, &s)).transpose()
}

fn order_from_row(row: &Row<'_>) -> Result<Order, StoreError> {
    let status: String = row.get(3)?;
    Ok(Order {
        id: row.get(0)?,
        number: row.get(1)?,
        customer_id: row.get(2)?,
        status: OrderStatus::parse(&status).ok_or(StoreError::Corrupt {
            column: "orders.status",
            value: status.clone(),
        })?,
        address: row.get(4)?,
        phone: row.get(5)?,
        delivery_window: row.get(6)?,
        subtotal_cents: row.get(7)?,
        discount_cents: row.get(8)?,
        shipping_cents: row.get(9)?,
        total_cents: row.get(10)?,
        created_at: parse_datetime("orders.created_at", &row.get::<_, String>(11)?)?,
        paid_at: optional_datetime("orders.paid_at", row.get(12)?)?,
        shipped_at: optional_datetime("orders.shipped_at", row.get(13)?)?,
        delivered_at: optional_datetime("orders.delivered_at", row.get(14)?)?,
        courier: row.get(15)?,
        tracking_number: row.get(16)?,
        eta: row
            .get::<_, Option<String>>(17)?
            .map(|s| parse_date("orders.eta", &s))
            .transpose()?,
    })
}

/// Which contact detail of an order to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderField {
    Address,
    Phone,
    DeliveryWindow,
}

impl OrderField {
    fn column(self) -> &'static str {
        match self {
            OrderField::Address => "address",
            OrderField::Phone => "phone",
            OrderField::DeliveryWindow => "delivery_window",
        }
    }
}

impl Store {
    /// Adds an order with its items and logistics events, atomically; returns the order id.
    pub fn insert_order(
        &self,
        order: &Order,
        items: &[NewOrderItem],
        events: &[LogisticsEvent],
    ) -> Result<i64, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO orders (order_number, customer_id, status, address, phone, delivery_window, \
             subtotal_cents, discount_cents, shipping_cents, total_cents, created_at, paid_at, shipped_at, \
             delivered_at, courier, tracking_number, eta) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                order.number,
                order.customer_id,
                order.status.as_str(),
                order.address,
                order.phone,
                order.delivery_window,
                order.subtotal_cents,
                order.discount_cents,
                order.shipping_cents,
                order.total_cents,
                format_datetime(order.created_at),
                order.paid_at.map(format_datetime),
                order.shipped_at.map(format_datetime),
                order.delivered_at.map(format_datetime),
                order.courier,
                order.tracking_number,
                order.eta.map(format_date),
            ],
        )?;
        let id = tx.last_insert_rowid();
        for item in items {
            tx.execute(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents, colour, size) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, item.product_id, item.quantity, item.unit_price_cents, item.colour, item.size],
            )?;
        }
        for e in events {
            tx.execute(
                "INSERT INTO logistics_events (order_id, at, location_zh, location_en, description_zh, \
                 description_en) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, format_datetime(e.at), e.location_zh, e.location_en, e.description_zh, e.description_en],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// An order by its 8-digit number.
    pub fn order_by_number(&self, number: &str) -> Result<Option<Order>, StoreError> {
        query_one(
            &self.lock(),
            &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE order_number = ?1"),
            [number],
            order_from_row,
        )
    }

    /// An order by id.
    pub fn order(&self, id: i64) -> Result<Option<Order>, StoreError> {
        query_one(
            &self.lock(),
            &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?1"),
            [id],
            order_from_row,
        )
    }

    /// A customer's orders, newest first.
    pub fn orders_of_customer(&self, customer_id: i64) -> Result<Vec<Order>, StoreError> {
        query_all(
            &self.lock(),
            &format!(
                "SELECT {ORDER_COLUMNS} FROM orders WHERE customer_id = ?1 ORDER BY created_at DESC, id DESC"
            ),
            [customer_id],
            order_from_row,
        )
    }

    /// Number of orders in each status, in status order.
    pub fn order_status_counts(&self) -> Result<Vec<(OrderStatus, i64)>, StoreError> {
        let conn = self.lock();
        OrderStatus::ALL
            .iter()
            .map(|&s| {
                let n = conn.query_row(
                    "SELECT COUNT(*) FROM orders WHERE status = ?1",
                    [s.as_str()],
                    |r| r.get(0),
                )?;
                Ok((s, n))
            })
            .collect()
    }

    /// The lines of an order with product names.
    pub fn order_items(&self, order_id: i64) -> Result<Vec<OrderItem>, StoreError> {
        query_all(
            &self.lock(),
            "SELECT i.product_id, p.name_zh, p.name_en, p.category, p.warranty_months, i.quantity, \
             i.unit_price_cents, i.colour, i.size FROM order_items i JOIN products p ON p.id = i.product_id \
             WHERE i.order_id = ?1 ORDER BY i.id",
            [order_id],
            |row| {
                Ok(OrderItem {
                    product_id: row.get(0)?,
                    name_zh: row.get(1)?,
                    name_en: row.get(2)?,
                    category: row.get(3)?,
                    warranty_months: row.get(4)?,
                    quantity: row.get(5)?,
                    unit_price_cents: row.get(6)?,
                    colour: row.get(7)?,
                    size: row.get(8)?,
                })
            },
        )
    }

    /// The courier scans of an order, oldest first.
    pub fn logistics_events(&self, order_id: i64) -> Result<Vec<LogisticsEvent>, StoreError> {
        query_all(
            &self.lock(),
            "SELECT at, location_zh, location_en, description_zh, description_en FROM logistics_events \
             WHERE order_id = ?1 ORDER BY at, id",
            [order_id],
            |row| {
                Ok(LogisticsEvent {
                    at: parse_datetime("logistics_events.at", &row.get::<_, String>(0)?)?,
                    location_zh: row.get(1)?,
                    location_en: row.get(2)?,
                    description_zh: row.get(3)?,
                    description_en: row.get(4)?,
                })
            },
        )
    }

    /// Moves an order to a new status.
    pub fn set_order_status(&self, order_id: i64, status: OrderStatus) -> Result<(), StoreError> {
        let n = self.lock().execute(
            "UPDATE orders SET status = ?1 WHERE id = ?2",
            params![status.as_str(), order_id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("order id {order_id}")));
        }
        Ok(())
    }

    /// Changes the address, phone or delivery window of an order.
    pub fn update_order_field(
        &self,
        order_id: i64,
        field: OrderField,
        value: &str,
    ) -> Result<(), StoreError> {
        let sql = format!("UPDATE orders SET {} = ?1 WHERE id = ?2", field.column());
        let n = self.lock().execute(&sql, params![value, order_id])?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("order id {order_id}")));
        }
        Ok(())
    }

    /// Ids of the products a customer has bought, most recent purchase first, without repeats.
    pub fn purchased_product_ids(&self, customer_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows = query_all(
            &self.lock(),
            "SELECT i.product_id FROM order_items i JOIN orders o ON o.id = i.order_id \
             WHERE o.customer_id = ?1 AND o.status <> 'cancelled' ORDER BY o.created_at DESC, i.id",
            [customer_id],
            |row| Ok(row.get::<_, i64>(0)?),
        )?;
        let mut seen = std::collections::HashSet::new();
        Ok(rows.into_iter().filter(|id| seen.insert(*id)).collect())
    }
}
