//! Store: migrations, the demo seed and the queries the dialogue flows rely on.

use kefu::lang::Lang;
use kefu::store::seed::{self, DEFAULT_SEED_DAY, EMILY_PHONE, ZHANG_WEI_PHONE};
use kefu::store::{
    NewTicket, OrderField, OrderStatus, Store, StoreError, TicketKind, TicketState, Tier,
    TurnRecord,
};

fn seeded() -> Store {
    let store = Store::open_in_memory().unwrap();
    seed::seed(&store, DEFAULT_SEED_DAY, false).unwrap();
    store
}

#[test]
fn migrations_are_idempotent_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("shop.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 4);
    seed::seed(&store, DEFAULT_SEED_DAY, false).unwrap();
    drop(store);
    let again = Store::open(&path).unwrap();
    assert_eq!(again.schema_version().unwrap(), 4);
    assert_eq!(again.product_count().unwrap(), 300);
}

#[test]
fn seed_is_deterministic() {
    let (a, b) = (seeded(), seeded());
    assert_eq!(a.products().unwrap(), b.products().unwrap());
    for id in 1..=150 {
        assert_eq!(
            a.orders_of_customer(id).unwrap(),
            b.orders_of_customer(id).unwrap(),
            "customer {id}"
        );
        assert_eq!(a.customer(id).unwrap(), b.customer(id).unwrap());
    }
    assert_eq!(
        a.order_status_counts().unwrap(),
        b.order_status_counts().unwrap()
    );
}

#[test]
fn seed_covers_the_shop() {
    let store = Store::open_in_memory().unwrap();
    let summary = seed::seed(&store, DEFAULT_SEED_DAY, false).unwrap();
    assert_eq!(summary.products, 300);
    assert_eq!(summary.customers, 150);
    assert_eq!(summary.orders, 600);
    assert!(summary.tickets > 10, "{summary:?}");
    let counts = store.order_status_counts().unwrap();
    assert_eq!(counts.iter().map(|c| c.1).sum::<i64>(), 600);
    for (status, n) in counts {
        assert!(n > 0, "no order is {status}");
    }
    let categories: std::collections::HashSet<String> = store
        .products()
        .unwrap()
        .into_iter()
        .map(|p| p.category)
        .collect();
    assert_eq!(categories.len(), 10);
    let active = store.active_promotions(DEFAULT_SEED_DAY).unwrap();
    assert!(active.len() >= 6 && active.len() < 12, "{}", active.len());
    assert!(matches!(
        seed::seed(&store, DEFAULT_SEED_DAY, false),
        Err(StoreError::AlreadySeeded)
    ));
    seed::seed(&store, DEFAULT_SEED_DAY, true).unwrap();
    assert_eq!(store.product_count().unwrap(), 300);
}

#[test]
fn fixed_records_are_as_documented() {
    let store = seeded();
    let zhang = store.customer_by_phone(ZHANG_WEI_PHONE).unwrap().unwrap();
    assert_eq!((zhang.tier, zhang.language), (Tier::Gold, Lang::Zh));
    let emily = store.customer_by_phone(EMILY_PHONE).unwrap().unwrap();
    assert_eq!((emily.tier, emily.language), (Tier::Vip, Lang::En));

    let shipped = store.order_by_number("20241234").unwrap().unwrap();
    assert_eq!(shipped.status, OrderStatus::InTransit);
    assert_eq!(shipped.courier.as_deref(), Some("SF Express"));
    assert_eq!(shipped.eta, DEFAULT_SEED_DAY.succ_opt());
    let events = store.logistics_events(shipped.id).unwrap();
    assert!(events.len() >= 3, "{events:?}");
    assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(
        store.order_items(shipped.id).unwrap()[0].name_en,
        "Huawei Mate 60 Pro 128GB"
    );

    let processing = store.order_by_number("20245678").unwrap().unwrap();
    assert!(processing.status.is_before_shipping());
    assert_eq!(
        store.order_by_number("20249999").unwrap().unwrap().status,
        OrderStatus::Delivered
    );
    assert_eq!(store.orders_of_customer(zhang.id).unwrap().len(), 4);
    assert_eq!(store.orders_of_customer(emily.id).unwrap().len(), 3);
    let refund = &store.tickets_of_customer(emily.id).unwrap()[0];
    assert_eq!(
        (refund.kind, refund.state),
        (TicketKind::Refund, TicketState::InProgress)
    );
    assert!(store.order_by_number("00000000").unwrap().is_none());
}

#[test]
fn every_order_number_is_eight_digits_and_timestamps_are_ordered() {
    let store = seeded();
    for id in 1..=150 {
        for o in store.orders_of_customer(id).unwrap() {
            assert!(
                o.number.len() == 8 && o.number.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                o.number
            );
            if let (Some(p), Some(s)) = (o.paid_at, o.shipped_at) {
                assert!(p <= s, "{}", o.number);
            }
            if let (Some(s), Some(d)) = (o.shipped_at, o.delivered_at) {
                assert!(s <= d, "{}", o.number);
            }
            assert_eq!(
                o.total_cents,
                o.subtotal_cents - o.discount_cents + o.shipping_cents
            );
        }
    }
}

#[test]
fn updates_and_tickets_round_trip() {
    let store = seeded();
    let order = store.order_by_number("20245678").unwrap().unwrap();
    store
        .update_order_field(order.id, OrderField::Address, "北京市朝阳区建国路1号")
        .unwrap();
    store
        .set_order_status(order.id, OrderStatus::Cancelled)
        .unwrap();
    let order = store.order(order.id).unwrap().unwrap();
    assert_eq!(order.address, "北京市朝阳区建国路1号");
    assert_eq!(order.status, OrderStatus::Cancelled);
    let now = DEFAULT_SEED_DAY.and_hms_opt(12, 0, 0).unwrap();
    let t = store
        .create_ticket(&NewTicket {
            kind: TicketKind::Repair,
            order_id: Some(order.id),
            customer_id: Some(order.customer_id),
            details: "screen flickers".into(),
            appointment: Some(now + chrono::Duration::days(2)),
            created_at: now,
        })
        .unwrap();
    assert_eq!(store.tickets_for_order(order.id).unwrap(), vec![t]);
}

#[test]
fn turn_log_and_review_selection() {
    let store = seeded();
    let now = DEFAULT_SEED_DAY.and_hms_opt(12, 0, 0).unwrap();
    store
        .start_conversation("c1", "chat", None, None, Lang::En, now)
        .unwrap();
    let turn = |seq, confidence, outcome: &str| TurnRecord {
        conversation_id: "c1".into(),
        channel: "chat".into(),
        seq,
        at: now,
        speaker: "caller".into(),
        text: format!("text {seq}"),
        lang: Lang::En,
        intent: Some("order_status".into()),
        confidence: Some(confidence),
        entities: "[]".into(),
        sentiment: Some(0.0),
        reply: "ok".into(),
        outcome: outcome.into(),
    };
    store.insert_turn(&turn(1, 0.9, "continue")).unwrap();
    store.insert_turn(&turn(2, 0.3, "continue")).unwrap();
    store
        .insert_turn(&turn(3, 0.95, "escalate:requested"))
        .unwrap();
    assert!(
        store.insert_turn(&turn(3, 0.95, "continue")).is_err(),
        "seq is unique per conversation"
    );
    assert_eq!(store.turns("c1").unwrap().len(), 3);
    let review: Vec<i64> = store
        .turns_for_review(0.6)
        .unwrap()
        .iter()
        .map(|t| t.seq)
        .collect();
    assert_eq!(review, vec![2, 3]);
}
