//! The demo shop: a deterministic catalogue, customers, orders, logistics, promotions and tickets.
//!
//! Everything is generated from a fixed RNG seed and dated relative to an `as_of` day (the "seed day", 10:00 shop
//! time), so the same `as_of` always gives the same database. `kefu store seed` uses [`DEFAULT_SEED_DAY`] unless told
//! otherwise; the automatic seeding of an empty database by `serve`/`chat` uses today, so the demo feels live.
//!
//! # Fixed records (used by tests and fixtures; D = the seed day)
//! | record | facts |
//! |---|---|
//! | customer `+8613800138000` | 张伟, gold, Mandarin, 2,680 points |
//! | customer `+14155550100` | Emily Carter, VIP, English, 15,200 points |
//! | order `20241234` | 张伟; in transit with SF Express (顺丰速运), shipped D−2, ETA D+1, latest scan: arrived Shanghai hub; item: the first phone (Huawei Mate 60 Pro 128GB) |
//! | order `20245678` | 张伟; processing (paid D−1, not shipped: cancellable and changeable); items: Huawei FreeBuds Pro 3 |
//! | order `20246666` | 张伟; delivered D−20 (too late to return or exchange); item: Nike Air Force 1, size 42 |
//! | order `20240815` | 张伟; delivered D−60; item: Lenovo ThinkPad X1 Carbon (12-month warranty: repairable) |
//! | order `20249999` | Emily Carter; delivered D−3 (returnable within 7 days, exchangeable within 15); item: Midea Air Fryer 5.5L |
//! | order `20243333` | Emily Carter; in transit with JD Logistics (京东物流), ETA D+2; item: Apple iPhone 15 256GB |
//! | order `20247777` | Emily Carter; returned D−5, refund ticket in progress; item: Sony WF-1000XM5 |
//!
//! Random orders never belong to the two fixed customers, so their order histories are exactly the above.

mod catalogue;

pub use catalogue::{category_codes, category_names};

use std::collections::HashSet;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::{
    Customer, LogisticsEvent, NewOrderItem, NewTicket, Order, OrderStatus, Product, Promotion,
    PromotionKind, Store, StoreError, TicketKind, TicketState, Tier,
};
use crate::lang::Lang;

/// The seed day used by `kefu store seed` without `--as-of` (and by tests).
pub const DEFAULT_SEED_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2024, 12, 10) {
    Some(d) => d,
    None => panic!("valid constant date"),
};

/// Phone of the fixed gold Mandarin-speaking customer 张伟.
pub const ZHANG_WEI_PHONE: &str = "+8613800138000";
/// Phone of the fixed VIP English-speaking customer Emily Carter.
pub const EMILY_PHONE: &str = "+14155550100";

const RNG_SEED: u64 = 0x6b65_6675; // "kefu"
const CUSTOMERS: usize = 150;
const ORDERS: usize = 600;

/// What a seeding run created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSummary {
    pub products: usize,
    pub customers: usize,
    pub orders: usize,
    pub promotions: usize,
    pub tickets: usize,
}

/// Fills the store with the demo shop as of `as_of`. Refuses a store that already has products unless `force`,
/// which first deletes every row (conversation logs included).
pub fn seed(store: &Store, as_of: NaiveDate, force: bool) -> Result<SeedSummary, StoreError> {
    if store.product_count()? > 0 {
        if !force {
            return Err(StoreError::AlreadySeeded);
        }
        store.wipe()?;
    }
    let now = as_of.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default());
    let mut rng = StdRng::seed_from_u64(RNG_SEED);

    let mut products = catalogue::products();
    for p in &mut products {
        p.id = store.insert_product(p)?;
    }

    let fixed = fixed_customers();
    let mut customer_ids = Vec::new();
    let mut phones: HashSet<String> = fixed.iter().map(|c| c.phone.clone()).collect();
    let mut fixed_ids = Vec::new();
    for c in &fixed {
        fixed_ids.push(store.insert_customer(c, now - Duration::days(400))?);
    }
    while customer_ids.len() < CUSTOMERS - fixed.len() {
        let c = random_customer(&mut rng);
        if phones.insert(c.phone.clone()) {
            let since = now - Duration::days(rng.random_range(30..900));
            let id = store.insert_customer(&c, since)?;
            customer_ids.push(Customer { id, ..c });
        }
    }

    let mut numbers: HashSet<String> = HashSet::new();
    let fixed_orders = fixed_orders(&products, fixed_ids[0], fixed_ids[1], now);
    for (order, items, events) in &fixed_orders {
        numbers.insert(order.number.clone());
        store.insert_order(order, items, events)?;
    }
    let mut tickets = 0;
    let mut random_orders = Vec::new();
    while random_orders.len() < ORDERS - fixed_orders.len() {
        let customer = customer_ids
            .choose(&mut rng)
            .ok_or(StoreError::NotFound("customers".into()))?;
        let (order, items, events) = random_order(&mut rng, &products, customer, now);
        if numbers.insert(order.number.clone()) {
            let id = store.insert_order(&order, &items, &events)?;
            random_orders.push((id, order));
        }
    }
    tickets += seed_tickets(
        store,
        &mut rng,
        &random_orders,
        &fixed_orders,
        fixed_ids[1],
        now,
    )?;

    let promotions = promotions(as_of);
    for p in &promotions {
        store.insert_promotion(p)?;
    }
    let summary = SeedSummary {
        products: products.len(),
        customers: CUSTOMERS,
        orders: ORDERS,
        promotions: promotions.len(),
        tickets,
    };
    tracing::info!(?summary, %as_of, "seeded the demo shop");
    Ok(summary)
}

fn fixed_customers() -> [Customer; 2] {
    [
        Customer {
            id: 0,
            phone: ZHANG_WEI_PHONE.into(),
            name: "张伟".into(),
            language: Lang::Zh,
            tier: Tier::Gold,
            points: 2680,
        },
        Customer {
            id: 0,
            phone: EMILY_PHONE.into(),
            name: "Emily Carter".into(),
            language: Lang::En,
            tier: Tier::Vip,
            points: 15200,
        },
    ]
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "文", "华", "婷", "宇", "浩", "欣怡",
    "子轩",
];
const EN_FIRST: &[&str] = &[
    "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sophie", "Daniel",
    "Grace",
];
const EN_LAST: &[&str] = &[
    "Smith", "Brown", "Wilson", "Taylor", "Miller", "Davis", "Clark", "Walker", "Young", "King",
];
const CN_PREFIXES: &[&str] = &[
    "130", "131", "135", "136", "137", "138", "139", "150", "151", "158", "186", "188", "189",
];

fn random_customer(rng: &mut StdRng) -> Customer {
    let english = rng.random_bool(0.12);
    let (name, phone, language) = if english {
        let name = format!("{} {}", pick(rng, EN_FIRST), pick(rng, EN_LAST));
        let phone = if rng.random_bool(0.5) {
            format!(
                "+1{}555{:04}",
                pick(rng, &["212", "415", "646", "310"]),
                rng.random_range(0..10000)
            )
        } else {
            format!(
                "+86{}{:08}",
                pick(rng, CN_PREFIXES),
                rng.random_range(0..100_000_000)
            )
        };
        (name, phone, Lang::En)
    } else {
        let name = format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN));
        (
            name,
            format!(
                "+86{}{:08}",
                pick(rng, CN_PREFIXES),
                rng.random_range(0..100_000_000)
            ),
            Lang::Zh,
        )
    };
    let tier = match rng.random_range(0..100) {
        0..60 => Tier::Regular,
        60..80 => Tier::Silver,
        80..93 => Tier::Gold,
        _ => Tier::Vip,
    };
    Customer {
        id: 0,
        phone,
        name,
        language,
        tier,
        points: rng.random_range(0..200) * 50,
    }
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or_default()
}

/// A city with its districts and streets, in both languages.
struct City {
    zh: &'static str,
    en: &'static str,
    districts: &'static [(&'static str, &'static str)],
    streets: &'static [(&'static str, &'static str)],
}

const CITIES: &[City] = &[
    City {
        zh: "上海市",
        en: "Shanghai",
        districts: &[
            ("浦东新区", "Pudong"),
            ("徐汇区", "Xuhui"),
            ("静安区", "Jing'an"),
        ],
        streets: &[
            ("张杨路", "Zhangyang Rd"),
            ("世纪大道", "Century Ave"),
            ("淮海中路", "Middle Huaihai Rd"),
        ],
    },
    City {
        zh: "北京市",
        en: "Beijing",
        districts: &[
            ("朝阳区", "Chaoyang"),
            ("海淀区", "Haidian"),
            ("东城区", "Dongcheng"),
        ],
        streets: &[
            ("建国路", "Jianguo Rd"),
            ("中关村大街", "Zhongguancun St"),
            ("王府井大街", "Wangfujing St"),
        ],
    },
    City {
        zh: "广州市",
        en: "Guangzhou",
        districts: &[("天河区", "Tianhe"), ("越秀区", "Yuexiu")],
        streets: &[("天河路", "Tianhe Rd"), ("环市东路", "East Huanshi Rd")],
    },
    City {
        zh: "深圳市",
        en: "Shenzhen",
        districts: &[("南山区", "Nanshan"), ("福田区", "Futian")],
        streets: &[("科技园路", "Keji Rd"), ("深南大道", "Shennan Blvd")],
    },
    City {
        zh: "杭州市",
        en: "Hangzhou",
        districts: &[("西湖区", "Xihu"), ("滨江区", "Binjiang")],
        streets: &[("文三路", "Wensan Rd"), ("江南大道", "Jiangnan Ave")],
    },
    City {
        zh: "成都市",
        en: "Chengdu",
        districts: &[("武侯区", "Wuhou"), ("锦江区", "Jinjiang")],
        streets: &[("人民南路", "South Renmin Rd"), ("春熙路", "Chunxi Rd")],
    },
];

/// Warehouses orders ship from: (zh, en).
const WAREHOUSES: &[(&str, &str)] = &[
    ("广州", "Guangzhou"),
    ("上海", "Shanghai"),
    ("武汉", "Wuhan"),
    ("北京", "Beijing"),
];

/// (zh, en, tracking prefix)
const COURIERS: &[(&str, &str, &str)] = &[
    ("顺丰速运", "SF Express", "SF"),
    ("京东物流", "JD Logistics", "JD"),
    ("中通快递", "ZTO Express", "ZTO"),
    ("圆通速递", "YTO Express", "YT"),
];

fn random_address(rng: &mut StdRng, lang: Lang) -> (String, usize) {
    let ci = rng.random_range(0..CITIES.len());
    let city = &CITIES[ci];
    let d = rng.random_range(0..city.districts.len());
    let s = rng.random_range(0..city.streets.len());
    let no = rng.random_range(1..999);
    let flat = rng.random_range(101..2808);
    let text = match lang {
        Lang::Zh => format!(
            "{}{}{}{}号{}室",
            city.zh, city.districts[d].0, city.streets[s].0, no, flat
        ),
        Lang::En => format!(
            "Apt {flat}, {no} {}, {}, {}",
            city.streets[s].1, city.districts[d].1, city.en
        ),
    };
    (text, ci)
}

const STATUS_WEIGHTS: &[(OrderStatus, u32)] = &[
    (OrderStatus::PendingPayment, 4),
    (OrderStatus::Paid, 4),
    (OrderStatus::Processing, 6),
    (OrderStatus::Shipped, 4),
    (OrderStatus::InTransit, 10),
    (OrderStatus::OutForDelivery, 4),
    (OrderStatus::Delivered, 50),
    (OrderStatus::Cancelled, 8),
    (OrderStatus::Returned, 5),
    (OrderStatus::Refunded, 5),
];

fn random_status(rng: &mut StdRng) -> OrderStatus {
    let total: u32 = STATUS_WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for &(s, w) in STATUS_WEIGHTS {
        if x < w {
            return s;
        }
        x -= w;
    }
    OrderStatus::Delivered
}

/// The skeleton of an order's life: when it was created, paid, shipped and delivered.
struct Timeline {
    created: NaiveDateTime,
    paid: Option<NaiveDateTime>,
    shipped: Option<NaiveDateTime>,
    delivered: Option<NaiveDateTime>,
    eta: Option<NaiveDate>,
}

fn timeline(rng: &mut StdRng, status: OrderStatus, now: NaiveDateTime) -> Timeline {
    use OrderStatus::*;
    let hours_ago = match status {
        PendingPayment | Paid => rng.random_range(1..20),
        Processing => rng.random_range(6..44),
        Shipped => rng.random_range(26..40),
        InTransit => rng.random_range(40..90),
        OutForDelivery => rng.random_range(60..110),
        Delivered => rng.random_range(100..2900),
        Cancelled => rng.random_range(20..2900),
        Returned | Refunded => rng.random_range(300..2900),
    };
    let created = now - Duration::hours(hours_ago) - Duration::minutes(rng.random_range(0..60));
    let paid =
        (status != PendingPayment).then(|| created + Duration::minutes(rng.random_range(1..40)));
    let ships = status.is_on_the_way() || matches!(status, Delivered | Returned | Refunded);
    let shipped = ships.then(|| created + Duration::hours(rng.random_range(12..24)));
    let delivered = shipped
        .filter(|_| matches!(status, Delivered | Returned | Refunded))
        .map(|s| (s + Duration::hours(rng.random_range(40..80))).min(now - Duration::hours(2)));
    let eta = match status {
        Shipped | InTransit => {
            shipped.map(|s| (s.date() + Duration::days(3)).max(now.date() + Duration::days(1)))
        }
        OutForDelivery => Some(now.date()),
        _ => delivered.map(|d| d.date()),
    };
    Timeline {
        created,
        paid,
        shipped,
        delivered,
        eta,
    }
}

/// Courier scans from the warehouse to the customer's city, as far as the status has got.
fn logistics(
    status: OrderStatus,
    t: &Timeline,
    courier: usize,
    warehouse: (&str, &str),
    city: &City,
    now: NaiveDateTime,
) -> Vec<LogisticsEvent> {
    let Some(shipped) = t.shipped else {
        return Vec::new();
    };
    let (courier_zh, courier_en, _) = COURIERS[courier];
    let city_zh = city.zh.trim_end_matches('市');
    let mut steps: Vec<(NaiveDateTime, String, String, String, String)> = vec![
        (
            shipped,
            warehouse.0.into(),
            warehouse.1.into(),
            format!("{courier_zh}已揽收"),
            format!("Picked up by {courier_en}"),
        ),
        (
            shipped + Duration::hours(5),
            format!("{}转运中心", warehouse.0),
            format!("{} sorting centre", warehouse.1),
            "已发出，运往下一站".into(),
            "Departed for the next facility".into(),
        ),
    ];
    let in_city = shipped + Duration::hours(28);
    if status != OrderStatus::Shipped {
        steps.push((
            in_city,
            format!("{city_zh}转运中心"),
            format!("{} sorting centre", city.en),
            "已到达".into(),
            "Arrived at the facility".into(),
        ));
    }
    let out = in_city + Duration::hours(14);
    if !matches!(status, OrderStatus::Shipped | OrderStatus::InTransit) {
        steps.push((
            t.delivered.map_or(out, |d| out.min(d - Duration::hours(3))),
            format!("{city_zh}营业点"),
            format!("{} delivery station", city.en),
            "快递员正在派送".into(),
            "Out for delivery".into(),
        ));
    }
    if let Some(d) = t.delivered {
        steps.push((
            d,
            city_zh.into(),
            city.en.into(),
            "已签收".into(),
            "Delivered and signed for".into(),
        ));
    }
    steps
        .into_iter()
        .filter(|s| s.0 <= now)
        .map(|(at, lz, le, dz, de)| LogisticsEvent {
            at,
            location_zh: lz,
            location_en: le,
            description_zh: dz,
            description_en: de,
        })
        .collect()
}

type OrderRows = (Order, Vec<NewOrderItem>, Vec<LogisticsEvent>);

/// Everything needed to write one order.
struct Draft<'a> {
    number: String,
    customer_id: i64,
    status: OrderStatus,
    t: Timeline,
    address: String,
    phone: String,
    /// (product, quantity, colour, size)
    lines: Vec<(&'a Product, i64, String, String)>,
    /// (courier index, tracking number, scans)
    shipping: Option<(usize, String, Vec<LogisticsEvent>)>,
}

fn build_order(draft: Draft<'_>) -> OrderRows {
    let Draft {
        number,
        customer_id,
        status,
        t,
        address,
        phone,
        lines,
        shipping,
    } = draft;
    let items: Vec<NewOrderItem> = lines
        .iter()
        .map(|(p, qty, colour, size)| NewOrderItem {
            product_id: p.id,
            quantity: *qty,
            unit_price_cents: p.price_cents,
            colour: colour.clone(),
            size: size.clone(),
        })
        .collect();
    let subtotal: i64 = items.iter().map(|i| i.quantity * i.unit_price_cents).sum();
    let shipping_cents = if subtotal >= 9900 { 0 } else { 800 };
    let discount = if subtotal >= 300_000 { 20_000 } else { 0 };
    let (courier, tracking, events) = match shipping {
        Some((c, tracking, events)) => (Some(COURIERS[c].1.to_string()), Some(tracking), events),
        None => (None, None, Vec::new()),
    };
    let order = Order {
        id: 0,
        number,
        customer_id,
        status,
        address,
        phone,
        delivery_window: String::new(),
        subtotal_cents: subtotal,
        discount_cents: discount,
        shipping_cents,
        total_cents: subtotal - discount + shipping_cents,
        created_at: t.created,
        paid_at: t.paid,
        shipped_at: t.shipped,
        delivered_at: t.delivered,
        courier,
        tracking_number: tracking,
        eta: t.eta,
    };
    (order, items, events)
}

fn random_order(
    rng: &mut StdRng,
    products: &[Product],
    customer: &Customer,
    now: NaiveDateTime,
) -> OrderRows {
    let (customer_id, lang, phone) = (customer.id, customer.language, &customer.phone);
    let status = random_status(rng);
    let t = timeline(rng, status, now);
    let number = format!(
        "{}{:04}",
        t.created.format("%Y"),
        rng.random_range(0..10000)
    );
    let (address, city) = random_address(rng, lang);
    let n_items = match rng.random_range(0..10) {
        0..7 => 1,
        7..9 => 2,
        _ => 3,
    };
    let mut lines = Vec::new();
    for _ in 0..n_items {
        let Some(p) = products.choose(rng) else {
            break;
        };
        let qty = if p.category == "snacks" {
            rng.random_range(1..4)
        } else {
            1
        };
        let colour = p.colours.choose(rng).cloned().unwrap_or_default();
        let size = p.sizes.choose(rng).cloned().unwrap_or_default();
        lines.push((p, qty, colour, size));
    }
    let courier = rng.random_range(0..COURIERS.len());
    let warehouse = WAREHOUSES[rng.random_range(0..WAREHOUSES.len())];
    let tracking = format!(
        "{}{}",
        COURIERS[courier].2,
        rng.random_range(100_000_000_000u64..999_999_999_999)
    );
    let events = logistics(status, &t, courier, warehouse, &CITIES[city], now);
    let shipping = t.shipped.map(|_| (courier, tracking, events));
    build_order(Draft {
        number,
        customer_id,
        status,
        t,
        address,
        phone: phone.to_string(),
        lines,
        shipping,
    })
}

fn fixed_orders(
    products: &[Product],
    zhang: i64,
    emily: i64,
    now: NaiveDateTime,
) -> Vec<OrderRows> {
    let find = |en: &str| products.iter().find(|p| p.name_en == en);
    let day = |d: i64| now + Duration::days(d);
    let zhang_address = "上海市浦东新区张杨路500号1802室".to_string();
    let emily_address = "Apt 1502, 88 Century Ave, Pudong, Shanghai".to_string();
    let shanghai = &CITIES[0];
    let mut out = Vec::new();
    let mut add = |number: &str,
                   customer: i64,
                   status: OrderStatus,
                   t: Timeline,
                   address: &String,
                   phone: &str,
                   product: &str,
                   colour: &str,
                   size: &str,
                   courier: Option<usize>| {
        let Some(p) = find(product) else {
            return;
        };
        let shipping = courier.map(|c| {
            let events = logistics(status, &t, c, WAREHOUSES[0], shanghai, now);
            (c, format!("{}{}0000", COURIERS[c].2, number), events)
        });
        out.push(build_order(Draft {
            number: number.into(),
            customer_id: customer,
            status,
            t,
            address: address.clone(),
            phone: phone.into(),
            lines: vec![(p, 1, colour.into(), size.into())],
            shipping,
        }));
    };
    let shipped = |created: i64, shipped: i64, delivered: Option<i64>, eta: Option<i64>| Timeline {
        created: day(created),
        paid: Some(day(created) + Duration::minutes(5)),
        shipped: Some(day(shipped)),
        delivered: delivered.map(day),
        eta: eta.map(|d| day(d).date()),
    };
    add(
        "20241234",
        zhang,
        OrderStatus::InTransit,
        shipped(-3, -2, None, Some(1)),
        &zhang_address,
        ZHANG_WEI_PHONE,
        "Huawei Mate 60 Pro 128GB",
        "black",
        "",
        Some(0),
    );
    add(
        "20245678",
        zhang,
        OrderStatus::Processing,
        Timeline {
            created: day(-1),
            paid: Some(day(-1) + Duration::minutes(3)),
            shipped: None,
            delivered: None,
            eta: None,
        },
        &zhang_address,
        ZHANG_WEI_PHONE,
        "Huawei FreeBuds Pro 3",
        "white",
        "",
        None,
    );
    add(
        "20246666",
        zhang,
        OrderStatus::Delivered,
        shipped(-24, -23, Some(-20), Some(-20)),
        &zhang_address,
        ZHANG_WEI_PHONE,
        "Nike Air Force 1",
        "white",
        "42",
        Some(2),
    );
    add(
        "20240815",
        zhang,
        OrderStatus::Delivered,
        shipped(-64, -63, Some(-60), Some(-60)),
        &zhang_address,
        ZHANG_WEI_PHONE,
        "Lenovo ThinkPad X1 Carbon 16GB+512GB",
        "black",
        "",
        Some(1),
    );
    add(
        "20249999",
        emily,
        OrderStatus::Delivered,
        shipped(-6, -5, Some(-3), Some(-3)),
        &emily_address,
        EMILY_PHONE,
        "Midea Air Fryer 5.5L",
        "black",
        "",
        Some(1),
    );
    add(
        "20243333",
        emily,
        OrderStatus::InTransit,
        shipped(-2, -1, None, Some(2)),
        &emily_address,
        EMILY_PHONE,
        "Apple iPhone 15 256GB",
        "blue",
        "",
        Some(1),
    );
    add(
        "20247777",
        emily,
        OrderStatus::Returned,
        shipped(-14, -13, Some(-10), Some(-10)),
        &emily_address,
        EMILY_PHONE,
        "Sony WF-1000XM5",
        "black",
        "",
        Some(0),
    );
    out
}

fn seed_tickets(
    store: &Store,
    rng: &mut StdRng,
    random_orders: &[(i64, Order)],
    fixed_orders: &[OrderRows],
    emily: i64,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let mut n = 0;
    if let Some(order) = fixed_orders
        .iter()
        .find(|(o, _, _)| o.number == "20247777")
        .and_then(|(o, _, _)| store.order_by_number(&o.number).transpose())
    {
        let order = order?;
        let t = store.create_ticket(&NewTicket {
            kind: TicketKind::Refund,
            order_id: Some(order.id),
            customer_id: Some(emily),
            details: "Return received at the warehouse; refund of the full amount to the original payment method"
                .into(),
            appointment: None,
            created_at: now - Duration::days(5),
        })?;
        store.set_ticket_state(t.id, TicketState::InProgress)?;
        n += 1;
    }
    for (id, order) in random_orders {
        let (kind, state, details) = match order.status {
            OrderStatus::Returned => (
                TicketKind::Return,
                TicketState::Resolved,
                "Item returned, inspected OK",
            ),
            OrderStatus::Refunded => (
                TicketKind::Refund,
                TicketState::Closed,
                "Refunded to the original payment",
            ),
            OrderStatus::Delivered if rng.random_bool(0.04) => (
                TicketKind::Complaint,
                TicketState::Open,
                "Packaging damaged on arrival",
            ),
            OrderStatus::Delivered if rng.random_bool(0.03) => (
                TicketKind::Repair,
                TicketState::InProgress,
                "Device does not power on",
            ),
            _ => continue,
        };
        let t = store.create_ticket(&NewTicket {
            kind,
            order_id: Some(*id),
            customer_id: Some(order.customer_id),
            details: details.into(),
            appointment: None,
            created_at: order.delivered_at.unwrap_or(order.created_at) + Duration::days(1),
        })?;
        store.set_ticket_state(t.id, state)?;
        n += 1;
    }
    Ok(n)
}

fn promotions(as_of: NaiveDate) -> Vec<Promotion> {
    let d = |days: i64| as_of + Duration::days(days);
    let p =
        |code: &str, zh: &str, en: &str, kind, value, min_yuan: i64, from, to, cats: &[&str]| {
            Promotion {
                code: code.into(),
                description_zh: zh.into(),
                description_en: en.into(),
                kind,
                value,
                min_spend_cents: min_yuan * 100,
                valid_from: from,
                valid_to: to,
                categories: cats.iter().map(|c| c.to_string()).collect(),
            }
        };
    use PromotionKind::*;
    vec![
        p(
            "WINTER300",
            "手机满5000减300",
            "300 yuan off phones over 5000 yuan",
            Threshold,
            30_000,
            5000,
            d(-10),
            d(20),
            &["phones"],
        ),
        p(
            "BUDS50",
            "耳机立减50元",
            "50 yuan off any earbuds",
            Amount,
            5_000,
            0,
            d(-5),
            d(25),
            &["earbuds"],
        ),
        p(
            "HOME15",
            "家电满1000享85折",
            "15% off home appliances over 1000 yuan",
            Percent,
            15,
            1000,
            d(-3),
            d(11),
            &["home_appliances"],
        ),
        p(
            "SNACK20",
            "零食满99减20",
            "20 yuan off snacks over 99 yuan",
            Threshold,
            2_000,
            99,
            d(-30),
            d(30),
            &["snacks"],
        ),
        p(
            "NEWUSER",
            "新用户首单立减30元",
            "30 yuan off your first order",
            Amount,
            3_000,
            0,
            d(-365),
            d(365),
            &[],
        ),
        p(
            "VIP88",
            "会员全场满888减88",
            "Members: 88 yuan off orders over 888 yuan",
            Threshold,
            8_800,
            888,
            d(-7),
            d(7),
            &[],
        ),
        p(
            "SHOES10",
            "鞋类9折",
            "10% off all shoes",
            Percent,
            10,
            0,
            d(-2),
            d(12),
            &["shoes"],
        ),
        p(
            "SKIN100",
            "护肤满500减100",
            "100 yuan off skincare over 500 yuan",
            Threshold,
            10_000,
            500,
            d(-1),
            d(14),
            &["skincare"],
        ),
        p(
            "DOUBLE11",
            "双十一全场满300减50",
            "Singles' Day: 50 yuan off every 300 yuan",
            Threshold,
            5_000,
            300,
            d(-40),
            d(-28),
            &[],
        ),
        p(
            "LAPTOP500",
            "笔记本满8000减500",
            "500 yuan off laptops over 8000 yuan",
            Threshold,
            50_000,
            8000,
            d(-60),
            d(-15),
            &["laptops"],
        ),
        p(
            "SUMMER20",
            "夏季服装8折",
            "20% off summer clothing",
            Percent,
            20,
            0,
            d(-160),
            d(-100),
            &["clothing"],
        ),
        p(
            "NEWYEAR",
            "元旦全场满200减20",
            "New Year: 20 yuan off orders over 200 yuan",
            Threshold,
            2_000,
            200,
            d(20),
            d(25),
            &[],
        ),
    ]
}
