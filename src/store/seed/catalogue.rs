//! The demo catalogue: product families per category, expanded into variants (storage, edition, size).

use serde_json::{Map, Value};

use crate::store::Product;

/// A product line; each variant becomes one product.
struct Family {
    brand_en: &'static str,
    brand_zh: &'static str,
    model: &'static str,
    /// Chinese model name when it differs from `model`.
    model_zh: Option<&'static str>,
    price_yuan: i64,
    colours: &'static [&'static str],
    /// Short extra names callers use.
    aliases: &'static [&'static str],
}

/// One category: its families, the variants every family comes in, its warranty and spec keys.
struct Category {
    code: &'static str,
    prefix: &'static str,
    warranty_months: i64,
    /// (suffix en, suffix zh, price delta in yuan, spec value)
    variants: &'static [(&'static str, &'static str, i64, &'static str)],
    variant_spec: &'static str,
    sizes: &'static [&'static str],
    families: &'static [Family],
    specs: &'static [(&'static str, &'static str)],
}

macro_rules! fam {
    ($be:literal, $bz:literal, $m:literal, $p:literal, [$($c:literal),*], [$($a:literal),*]) => {
        Family { brand_en: $be, brand_zh: $bz, model: $m, model_zh: None, price_yuan: $p,
                 colours: &[$($c),*], aliases: &[$($a),*] }
    };
    ($be:literal, $bz:literal, $m:literal, $mz:literal, $p:literal, [$($c:literal),*], [$($a:literal),*]) => {
        Family { brand_en: $be, brand_zh: $bz, model: $m, model_zh: Some($mz), price_yuan: $p,
                 colours: &[$($c),*], aliases: &[$($a),*] }
    };
}

const STORAGE: &[(&str, &str, i64, &str)] = &[
    ("128GB", "128GB", 0, "128GB"),
    ("256GB", "256GB", 500, "256GB"),
    ("512GB", "512GB", 1500, "512GB"),
];
const ONE: &[(&str, &str, i64, &str)] = &[("", "", 0, "standard")];
const PACKS: &[(&str, &str, i64, &str)] =
    &[("", "", 0, "single"), ("x3 pack", "三件装", -1, "3-pack")];

const CATEGORIES: &[Category] = &[
    Category {
        code: "phones",
        prefix: "PH",
        warranty_months: 12,
        variants: STORAGE,
        variant_spec: "storage",
        sizes: &[],
        specs: &[
            ("screen", "6.7 inch OLED"),
            ("battery", "5000 mAh"),
            ("network", "5G"),
        ],
        families: &[
            fam!(
                "Huawei",
                "华为",
                "Mate 60 Pro",
                6499,
                ["black", "white", "green"],
                ["mate60", "mate 60"]
            ),
            fam!(
                "Huawei",
                "华为",
                "Pura 70",
                5499,
                ["black", "white", "pink"],
                ["p70", "pura70"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Xiaomi 14",
                "小米 14",
                3999,
                ["black", "white", "green"],
                ["mi 14", "小米14"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Redmi Note 13 Pro",
                "红米 Note 13 Pro",
                1599,
                ["black", "blue"],
                ["redmi note 13", "红米note13"]
            ),
            fam!(
                "Apple",
                "苹果",
                "iPhone 15",
                5999,
                ["black", "blue", "pink"],
                ["iphone15", "苹果15"]
            ),
            fam!(
                "Apple",
                "苹果",
                "iPhone 15 Pro",
                7999,
                ["natural titanium", "black titanium"],
                ["iphone 15 pro", "15pro"]
            ),
            fam!(
                "OPPO",
                "OPPO",
                "Find X7",
                4499,
                ["black", "blue"],
                ["find x7"]
            ),
            fam!(
                "vivo",
                "vivo",
                "X100",
                3999,
                ["black", "white"],
                ["vivo x100"]
            ),
            fam!(
                "Honor",
                "荣耀",
                "Magic 6",
                4399,
                ["black", "green"],
                ["magic6"]
            ),
            fam!(
                "OnePlus",
                "一加",
                "OnePlus 12",
                "一加 12",
                4299,
                ["black", "green"],
                ["oneplus12", "一加12"]
            ),
        ],
    },
    Category {
        code: "earbuds",
        prefix: "EB",
        warranty_months: 12,
        variants: ONE,
        variant_spec: "edition",
        sizes: &[],
        specs: &[
            ("noise_cancelling", "yes"),
            ("battery", "30 h with case"),
            ("bluetooth", "5.3"),
        ],
        families: &[
            fam!(
                "Apple",
                "苹果",
                "AirPods Pro 2",
                1899,
                ["white"],
                ["airpods pro", "airpods"]
            ),
            fam!("Apple", "苹果", "AirPods 4", 999, ["white"], ["airpods 4"]),
            fam!(
                "Huawei",
                "华为",
                "FreeBuds Pro 3",
                1499,
                ["white", "green", "silver"],
                ["freebuds pro"]
            ),
            fam!(
                "Huawei",
                "华为",
                "FreeBuds 5i",
                549,
                ["white", "blue"],
                ["freebuds 5i"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Xiaomi Buds 4 Pro",
                "小米 Buds 4 Pro",
                1099,
                ["black", "gold"],
                ["buds 4 pro"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Redmi Buds 5",
                "红米 Buds 5",
                199,
                ["black", "white", "blue"],
                ["redmi buds"]
            ),
            fam!(
                "Sony",
                "索尼",
                "WF-1000XM5",
                1999,
                ["black", "silver"],
                ["xm5", "sony earbuds"]
            ),
            fam!(
                "OPPO",
                "OPPO",
                "Enco X2",
                999,
                ["black", "white"],
                ["enco x2"]
            ),
            fam!(
                "vivo",
                "vivo",
                "TWS 4",
                499,
                ["white", "grey"],
                ["vivo tws"]
            ),
            fam!(
                "Honor",
                "荣耀",
                "Earbuds X5",
                199,
                ["white", "black"],
                ["honor earbuds"]
            ),
            fam!(
                "Edifier",
                "漫步者",
                "NeoBuds Pro 2",
                699,
                ["black", "white"],
                ["neobuds"]
            ),
            fam!(
                "Beats",
                "Beats",
                "Studio Buds+",
                1299,
                ["black", "ivory", "transparent"],
                ["beats buds"]
            ),
            fam!(
                "Soundcore",
                "声阔",
                "Liberty 4 NC",
                599,
                ["black", "blue"],
                ["liberty 4"]
            ),
            fam!(
                "Bose",
                "Bose",
                "QuietComfort Ultra Earbuds",
                "QC 消噪耳塞 Ultra",
                2299,
                ["black", "white"],
                ["bose earbuds"]
            ),
            fam!(
                "Samsung",
                "三星",
                "Galaxy Buds3 Pro",
                1599,
                ["silver", "white"],
                ["galaxy buds"]
            ),
            fam!(
                "JBL",
                "JBL",
                "Tune Beam",
                599,
                ["black", "blue", "purple"],
                ["jbl buds"]
            ),
            fam!(
                "Jabra",
                "捷波朗",
                "Elite 10",
                1499,
                ["black", "beige"],
                ["jabra elite"]
            ),
            fam!(
                "Nothing",
                "Nothing",
                "Ear (a)",
                699,
                ["black", "white", "yellow"],
                ["nothing ear"]
            ),
            fam!(
                "Baseus",
                "倍思",
                "Bowie MA10",
                199,
                ["black", "white"],
                ["baseus buds"]
            ),
            fam!(
                "Realme",
                "真我",
                "Buds Air 6",
                349,
                ["green", "grey"],
                ["realme buds"]
            ),
            fam!("QCY", "QCY", "HT07", 129, ["black", "white"], ["qcy"]),
            fam!(
                "Huawei",
                "华为",
                "FreeClip",
                1299,
                ["black", "purple"],
                ["freeclip"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Redmi Buds 6 Pro",
                "红米 Buds 6 Pro",
                399,
                ["black", "white"],
                ["buds 6 pro"]
            ),
            fam!(
                "OPPO",
                "OPPO",
                "Enco Air4",
                299,
                ["white", "blue"],
                ["enco air"]
            ),
            fam!(
                "Sennheiser",
                "森海塞尔",
                "Momentum True Wireless 4",
                "Momentum 真无线 4",
                2499,
                ["black", "copper"],
                ["momentum"]
            ),
            fam!(
                "Sony",
                "索尼",
                "LinkBuds S",
                1299,
                ["black", "white", "beige"],
                ["linkbuds"]
            ),
            fam!(
                "Honor",
                "荣耀",
                "Earbuds 3 Pro",
                899,
                ["grey", "white"],
                ["honor earbuds pro"]
            ),
            fam!(
                "vivo",
                "vivo",
                "TWS 3 Pro",
                799,
                ["black", "white"],
                ["tws 3 pro"]
            ),
            fam!(
                "Marshall",
                "马歇尔",
                "Motif II A.N.C.",
                1899,
                ["black"],
                ["marshall motif"]
            ),
            fam!(
                "Shokz",
                "韶音",
                "OpenFit",
                1299,
                ["black", "beige"],
                ["shokz"]
            ),
        ],
    },
    Category {
        code: "laptops",
        prefix: "LP",
        warranty_months: 12,
        variants: &[
            ("16GB+512GB", "16GB+512GB", 0, "16GB/512GB"),
            ("32GB+1TB", "32GB+1TB", 1800, "32GB/1TB"),
        ],
        variant_spec: "memory_storage",
        sizes: &[],
        specs: &[
            ("screen", "14 inch 2.8K"),
            ("cpu", "Intel Core Ultra 7"),
            ("weight", "1.3 kg"),
        ],
        families: &[
            fam!(
                "Apple",
                "苹果",
                "MacBook Air 13 M3",
                7999,
                ["midnight", "silver", "starlight"],
                ["macbook air", "mba"]
            ),
            fam!(
                "Apple",
                "苹果",
                "MacBook Pro 14 M3",
                12999,
                ["space black", "silver"],
                ["macbook pro", "mbp"]
            ),
            fam!(
                "Huawei",
                "华为",
                "MateBook X Pro",
                10999,
                ["blue", "white"],
                ["matebook x"]
            ),
            fam!(
                "Huawei",
                "华为",
                "MateBook 14",
                5999,
                ["grey", "silver"],
                ["matebook 14"]
            ),
            fam!(
                "Lenovo",
                "联想",
                "ThinkPad X1 Carbon",
                11999,
                ["black"],
                ["x1 carbon", "thinkpad"]
            ),
            fam!(
                "Lenovo",
                "联想",
                "Xiaoxin Pro 14",
                "小新 Pro 14",
                5299,
                ["grey"],
                ["xiaoxin", "小新"]
            ),
            fam!(
                "Lenovo",
                "联想",
                "Legion Y9000P",
                "拯救者 Y9000P",
                9999,
                ["grey"],
                ["legion", "拯救者"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Xiaomi Book Pro 14",
                "小米笔记本 Pro 14",
                6499,
                ["grey"],
                ["xiaomi book"]
            ),
            fam!(
                "Dell",
                "戴尔",
                "XPS 14",
                11499,
                ["graphite", "platinum"],
                ["xps"]
            ),
            fam!(
                "HP",
                "惠普",
                "EliteBook 840",
                7999,
                ["silver"],
                ["elitebook"]
            ),
            fam!(
                "ASUS",
                "华硕",
                "Zenbook 14 OLED",
                "灵耀 14 OLED",
                6999,
                ["blue", "grey"],
                ["zenbook", "灵耀"]
            ),
            fam!(
                "Honor",
                "荣耀",
                "MagicBook Pro 16",
                6499,
                ["grey", "purple"],
                ["magicbook"]
            ),
            fam!(
                "ASUS",
                "华硕",
                "ROG Zephyrus G14",
                "ROG 幻14",
                11999,
                ["grey", "white"],
                ["rog", "幻14"]
            ),
            fam!(
                "Microsoft",
                "微软",
                "Surface Laptop 7",
                8888,
                ["platinum", "black"],
                ["surface laptop"]
            ),
            fam!(
                "Acer",
                "宏碁",
                "Swift Go 14",
                "非凡 Go 14",
                4999,
                ["silver"],
                ["swift go"]
            ),
        ],
    },
    Category {
        code: "tablets",
        prefix: "TB",
        warranty_months: 12,
        variants: STORAGE,
        variant_spec: "storage",
        sizes: &[],
        specs: &[
            ("screen", "11 inch 120Hz"),
            ("battery", "8000 mAh"),
            ("stylus", "supported"),
        ],
        families: &[
            fam!(
                "Apple",
                "苹果",
                "iPad Air 11",
                4799,
                ["blue", "purple", "starlight"],
                ["ipad air"]
            ),
            fam!(
                "Apple",
                "苹果",
                "iPad Pro 11",
                8999,
                ["silver", "space black"],
                ["ipad pro"]
            ),
            fam!(
                "Apple",
                "苹果",
                "iPad mini",
                3999,
                ["blue", "purple"],
                ["ipad mini"]
            ),
            fam!(
                "Huawei",
                "华为",
                "MatePad Pro 13.2",
                5199,
                ["black", "white", "green"],
                ["matepad pro"]
            ),
            fam!(
                "Huawei",
                "华为",
                "MatePad 11.5",
                1999,
                ["grey", "blue"],
                ["matepad"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Xiaomi Pad 6S Pro",
                "小米平板 6S Pro",
                3299,
                ["black", "green"],
                ["xiaomi pad", "小米平板"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Redmi Pad Pro",
                "红米平板 Pro",
                1499,
                ["grey", "green"],
                ["redmi pad"]
            ),
            fam!(
                "Lenovo",
                "联想",
                "Xiaoxin Pad Pro 12.7",
                "小新 Pad Pro 12.7",
                1999,
                ["grey"],
                ["xiaoxin pad"]
            ),
            fam!(
                "Honor",
                "荣耀",
                "MagicPad 2",
                2999,
                ["black", "white"],
                ["magicpad"]
            ),
            fam!(
                "OPPO",
                "OPPO",
                "Pad 3 Pro",
                2999,
                ["grey", "blue"],
                ["oppo pad"]
            ),
        ],
    },
    Category {
        code: "smartwatches",
        prefix: "SW",
        warranty_months: 12,
        variants: &[("41mm", "41mm", 0, "41mm"), ("45mm", "45mm", 200, "45mm")],
        variant_spec: "case_size",
        sizes: &[],
        specs: &[
            ("battery", "up to 14 days"),
            ("waterproof", "5 ATM"),
            ("gps", "yes"),
        ],
        families: &[
            fam!(
                "Apple",
                "苹果",
                "Apple Watch Series 9",
                2999,
                ["midnight", "starlight", "pink"],
                ["apple watch", "苹果手表"]
            ),
            fam!(
                "Apple",
                "苹果",
                "Apple Watch SE",
                1999,
                ["midnight", "silver"],
                ["watch se"]
            ),
            fam!(
                "Huawei",
                "华为",
                "Watch GT 4",
                1488,
                ["black", "brown", "green"],
                ["gt4", "华为手表"]
            ),
            fam!(
                "Huawei",
                "华为",
                "Watch 4 Pro",
                3699,
                ["titanium", "brown"],
                ["watch 4 pro"]
            ),
            fam!(
                "Huawei",
                "华为",
                "Band 9",
                "手环 9",
                269,
                ["black", "pink", "blue"],
                ["华为手环", "band 9"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Xiaomi Watch S3",
                "小米手表 S3",
                799,
                ["black", "silver"],
                ["小米手表"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Smart Band 8",
                "小米手环 8",
                239,
                ["black", "gold", "pink"],
                ["小米手环", "mi band"]
            ),
            fam!(
                "Garmin",
                "佳明",
                "Forerunner 265",
                2980,
                ["black", "white"],
                ["forerunner", "佳明"]
            ),
            fam!(
                "Amazfit",
                "华米",
                "GTR 4",
                1099,
                ["black", "brown"],
                ["amazfit"]
            ),
            fam!(
                "OPPO",
                "OPPO",
                "Watch 4 Pro",
                2299,
                ["black", "green"],
                ["oppo watch"]
            ),
            fam!(
                "Samsung",
                "三星",
                "Galaxy Watch6",
                1999,
                ["graphite", "gold"],
                ["galaxy watch"]
            ),
            fam!(
                "Honor",
                "荣耀",
                "Watch 4",
                999,
                ["black", "gold"],
                ["honor watch"]
            ),
            fam!(
                "vivo",
                "vivo",
                "Watch 3",
                1299,
                ["black", "white"],
                ["vivo watch"]
            ),
            fam!(
                "Huami",
                "华米",
                "Amazfit Balance",
                1399,
                ["black", "gold"],
                ["balance"]
            ),
            fam!(
                "Coros",
                "高驰",
                "Pace 3",
                1499,
                ["black", "white"],
                ["coros", "高驰"]
            ),
        ],
    },
    Category {
        code: "home_appliances",
        prefix: "HA",
        warranty_months: 24,
        variants: ONE,
        variant_spec: "edition",
        sizes: &[],
        specs: &[
            ("power", "1200 W"),
            ("voltage", "220 V"),
            ("energy_rating", "grade 1"),
        ],
        families: &[
            fam!(
                "Midea",
                "美的",
                "IH Rice Cooker 4L",
                "IH 电饭煲 4L",
                399,
                ["white"],
                ["电饭煲", "rice cooker"]
            ),
            fam!(
                "Midea",
                "美的",
                "Air Fryer 5.5L",
                "空气炸锅 5.5L",
                299,
                ["black", "white"],
                ["空气炸锅", "air fryer"]
            ),
            fam!(
                "Supor",
                "苏泊尔",
                "Far-Infrared Rice Cooker 5L",
                "远红外电饭煲 5L",
                459,
                ["black"],
                ["苏泊尔电饭煲"]
            ),
            fam!(
                "Supor",
                "苏泊尔",
                "Electric Kettle 1.7L",
                "电热水壶 1.7L",
                129,
                ["white", "silver"],
                ["电热水壶", "kettle"]
            ),
            fam!(
                "Joyoung",
                "九阳",
                "Soymilk Maker",
                "豆浆机",
                499,
                ["white"],
                ["豆浆机", "soymilk maker"]
            ),
            fam!(
                "Joyoung",
                "九阳",
                "Air Fryer Pro 6L",
                "空气炸锅 Pro 6L",
                359,
                ["grey"],
                ["九阳空气炸锅"]
            ),
            fam!(
                "Bear",
                "小熊",
                "Mini Steamer",
                "迷你蒸锅",
                159,
                ["pink", "green"],
                ["小熊蒸锅", "steamer"]
            ),
            fam!(
                "Ecovacs",
                "科沃斯",
                "Deebot T30 Robot Vacuum",
                "地宝 T30 扫地机器人",
                3999,
                ["white", "black"],
                ["扫地机器人", "robot vacuum", "deebot"]
            ),
            fam!(
                "Roborock",
                "石头",
                "S8 Pro Ultra Robot Vacuum",
                "S8 Pro Ultra 扫地机器人",
                5999,
                ["white", "black"],
                ["石头扫地机", "roborock"]
            ),
            fam!(
                "Dreame",
                "追觅",
                "X40 Robot Vacuum",
                "X40 扫地机器人",
                4999,
                ["white"],
                ["追觅", "dreame"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Mijia Robot Vacuum 3C",
                "米家扫拖机器人 3C",
                999,
                ["white"],
                ["米家扫地机", "mijia vacuum"]
            ),
            fam!(
                "Dyson",
                "戴森",
                "V12 Cordless Vacuum",
                "V12 无线吸尘器",
                4490,
                ["yellow"],
                ["戴森吸尘器", "dyson"]
            ),
            fam!(
                "Dyson",
                "戴森",
                "Supersonic Hair Dryer",
                "Supersonic 吹风机",
                2999,
                ["fuchsia", "blue"],
                ["戴森吹风机", "hair dryer"]
            ),
            fam!(
                "Philips",
                "飞利浦",
                "Air Purifier 3000i",
                "空气净化器 3000i",
                1999,
                ["white"],
                ["空气净化器", "air purifier"]
            ),
            fam!(
                "Gree",
                "格力",
                "Tower Fan",
                "塔扇",
                399,
                ["white"],
                ["格力风扇", "fan"]
            ),
            fam!(
                "Haier",
                "海尔",
                "Dehumidifier 20L",
                "除湿机 20L",
                1299,
                ["white"],
                ["除湿机", "dehumidifier"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Mijia Air Fryer 6L",
                "米家空气炸锅 6L",
                349,
                ["white"],
                ["米家空气炸锅"]
            ),
            fam!(
                "Midea",
                "美的",
                "Microwave Oven 20L",
                "微波炉 20L",
                499,
                ["white", "black"],
                ["微波炉", "microwave"]
            ),
            fam!(
                "Panasonic",
                "松下",
                "Steam Oven",
                "蒸烤箱",
                2599,
                ["black"],
                ["蒸烤箱", "steam oven"]
            ),
            fam!(
                "Joyoung",
                "九阳",
                "Blender",
                "破壁机",
                699,
                ["grey"],
                ["破壁机", "blender"]
            ),
            fam!(
                "Midea",
                "美的",
                "Induction Cooker",
                "电磁炉",
                259,
                ["black"],
                ["电磁炉", "induction cooker"]
            ),
            fam!(
                "Bear",
                "小熊",
                "Yogurt Maker",
                "酸奶机",
                99,
                ["white"],
                ["酸奶机", "yogurt maker"]
            ),
            fam!(
                "Supor",
                "苏泊尔",
                "Electric Pressure Cooker 5L",
                "电压力锅 5L",
                399,
                ["black"],
                ["电压力锅", "pressure cooker"]
            ),
            fam!(
                "Philips",
                "飞利浦",
                "Electric Toothbrush",
                "电动牙刷",
                599,
                ["white", "pink"],
                ["电动牙刷", "toothbrush"]
            ),
            fam!(
                "Xiaomi",
                "小米",
                "Mijia Water Purifier",
                "米家净水器",
                1999,
                ["white"],
                ["净水器", "water purifier"]
            ),
            fam!(
                "Roborock",
                "石头",
                "Wet Dry Vacuum A10",
                "洗地机 A10",
                2499,
                ["white"],
                ["洗地机", "wet dry vacuum"]
            ),
            fam!(
                "Tineco",
                "添可",
                "Floor One S5",
                "芙万 S5 洗地机",
                2299,
                ["grey"],
                ["添可", "tineco"]
            ),
            fam!(
                "Midea",
                "美的",
                "Dishwasher 8 sets",
                "洗碗机 8套",
                2799,
                ["silver"],
                ["洗碗机", "dishwasher"]
            ),
            fam!(
                "Gree",
                "格力",
                "Electric Heater",
                "电暖器",
                459,
                ["white"],
                ["电暖器", "heater"]
            ),
            fam!(
                "Deerma",
                "德尔玛",
                "Humidifier",
                "加湿器",
                199,
                ["white"],
                ["加湿器", "humidifier"]
            ),
        ],
    },
    Category {
        code: "clothing",
        prefix: "CL",
        warranty_months: 0,
        variants: ONE,
        variant_spec: "fit",
        sizes: &["S", "M", "L", "XL", "XXL"],
        specs: &[("material", "cotton"), ("care", "machine wash 30°C")],
        families: &[
            fam!(
                "Uniqlo",
                "优衣库",
                "Ultra Light Down Jacket",
                "高级轻型羽绒服",
                499,
                ["black", "navy", "beige"],
                ["羽绒服", "down jacket"]
            ),
            fam!(
                "Uniqlo",
                "优衣库",
                "Supima Cotton T-Shirt",
                "Supima 棉圆领 T 恤",
                79,
                ["white", "black", "grey"],
                ["t恤", "t-shirt"]
            ),
            fam!(
                "Uniqlo",
                "优衣库",
                "Smart Ankle Pants",
                "九分裤",
                199,
                ["black", "navy"],
                ["九分裤", "ankle pants"]
            ),
            fam!(
                "Bosideng",
                "波司登",
                "Long Down Coat",
                "长款羽绒服",
                1599,
                ["black", "red"],
                ["波司登", "down coat"]
            ),
            fam!(
                "Li-Ning",
                "李宁",
                "Sports Hoodie",
                "运动卫衣",
                369,
                ["black", "red", "white"],
                ["李宁卫衣", "hoodie"]
            ),
            fam!(
                "Anta",
                "安踏",
                "Windbreaker Jacket",
                "防风外套",
                399,
                ["black", "blue"],
                ["安踏外套", "windbreaker"]
            ),
            fam!(
                "Peacebird",
                "太平鸟",
                "Wool Coat",
                "羊毛大衣",
                1299,
                ["camel", "black"],
                ["大衣", "wool coat"]
            ),
            fam!(
                "Semir",
                "森马",
                "Denim Jeans",
                "牛仔裤",
                199,
                ["blue", "black"],
                ["牛仔裤", "jeans"]
            ),
            fam!(
                "Heilan Home",
                "海澜之家",
                "Business Shirt",
                "商务衬衫",
                169,
                ["white", "light blue"],
                ["衬衫", "shirt"]
            ),
            fam!(
                "Jeanswest",
                "真维斯",
                "Polo Shirt",
                "Polo 衫",
                129,
                ["white", "navy", "green"],
                ["polo衫", "polo"]
            ),
            fam!(
                "Nike",
                "耐克",
                "Dri-FIT Running Tee",
                "Dri-FIT 跑步 T 恤",
                249,
                ["black", "blue"],
                ["跑步t恤", "running shirt"]
            ),
            fam!(
                "Adidas",
                "阿迪达斯",
                "Track Pants",
                "运动裤",
                399,
                ["black", "navy"],
                ["运动裤", "track pants"]
            ),
            fam!(
                "Uniqlo",
                "优衣库",
                "Fleece Jacket",
                "摇粒绒外套",
                199,
                ["grey", "brown", "white"],
                ["摇粒绒", "fleece"]
            ),
            fam!(
                "Lululemon",
                "露露乐蒙",
                "Align Leggings",
                "Align 瑜伽裤",
                850,
                ["black", "navy"],
                ["瑜伽裤", "leggings"]
            ),
            fam!(
                "The North Face",
                "北面",
                "Gore-Tex Shell Jacket",
                "冲锋衣",
                1999,
                ["black", "yellow"],
                ["冲锋衣", "shell jacket"]
            ),
            fam!(
                "Bananain",
                "蕉内",
                "Thermal Underwear Set",
                "保暖内衣套装",
                199,
                ["black", "grey", "pink"],
                ["保暖内衣", "thermal set"]
            ),
            fam!(
                "Uniqlo",
                "优衣库",
                "Cashmere Sweater",
                "羊绒衫",
                799,
                ["beige", "grey", "black"],
                ["羊绒衫", "cashmere"]
            ),
            fam!(
                "Li-Ning",
                "李宁",
                "Basketball Shorts",
                "篮球短裤",
                179,
                ["black", "white"],
                ["篮球裤", "shorts"]
            ),
            fam!(
                "Ubras",
                "Ubras",
                "Seamless Bra",
                "无尺码内衣",
                129,
                ["black", "skin"],
                ["内衣", "bra"]
            ),
            fam!(
                "Mo&Co",
                "摩安珂",
                "Pleated Skirt",
                "百褶裙",
                699,
                ["black", "beige"],
                ["百褶裙", "skirt"]
            ),
            fam!(
                "Anta",
                "安踏",
                "Down Vest",
                "羽绒马甲",
                299,
                ["black", "khaki"],
                ["羽绒马甲", "vest"]
            ),
            fam!(
                "UR",
                "UR",
                "Linen Dress",
                "亚麻连衣裙",
                499,
                ["white", "green"],
                ["连衣裙", "dress"]
            ),
            fam!(
                "Semir",
                "森马",
                "Kids Padded Jacket",
                "儿童棉服",
                259,
                ["red", "blue"],
                ["儿童棉服", "kids jacket"]
            ),
            fam!(
                "Heilan Home",
                "海澜之家",
                "Chino Trousers",
                "休闲裤",
                199,
                ["khaki", "navy"],
                ["休闲裤", "chinos"]
            ),
            fam!(
                "Uniqlo",
                "优衣库",
                "Socks 3 Pairs",
                "袜子三双装",
                59,
                ["black", "white"],
                ["袜子", "socks"]
            ),
            fam!(
                "Anta",
                "安踏",
                "Quick-Dry T-Shirt",
                "速干 T 恤",
                89,
                ["black", "white", "blue"],
                ["速干t恤"]
            ),
            fam!(
                "Li-Ning",
                "李宁",
                "Padded Winter Coat",
                "棉服",
                699,
                ["black", "white"],
                ["棉服"]
            ),
            fam!(
                "Peacebird",
                "太平鸟",
                "Knit Cardigan",
                "针织开衫",
                399,
                ["beige", "pink"],
                ["开衫", "cardigan"]
            ),
            fam!(
                "Uniqlo",
                "优衣库",
                "Heattech Crew Neck",
                "Heattech 保暖衣",
                99,
                ["black", "grey", "white"],
                ["heattech"]
            ),
            fam!(
                "Jack Jones",
                "杰克琼斯",
                "Bomber Jacket",
                "飞行员夹克",
                599,
                ["olive", "black"],
                ["夹克", "bomber"]
            ),
        ],
    },
    Category {
        code: "shoes",
        prefix: "SH",
        warranty_months: 0,
        variants: ONE,
        variant_spec: "fit",
        sizes: &["36", "37", "38", "39", "40", "41", "42", "43", "44", "45"],
        specs: &[("upper", "mesh"), ("sole", "rubber")],
        families: &[
            fam!(
                "Nike",
                "耐克",
                "Air Force 1",
                799,
                ["white", "black"],
                ["空军一号", "af1"]
            ),
            fam!(
                "Nike",
                "耐克",
                "Pegasus 41",
                "飞马 41",
                899,
                ["black", "blue"],
                ["飞马", "pegasus"]
            ),
            fam!(
                "Adidas",
                "阿迪达斯",
                "Ultraboost Light",
                1299,
                ["black", "white"],
                ["ultraboost", "爆米花"]
            ),
            fam!(
                "Adidas",
                "阿迪达斯",
                "Samba OG",
                799,
                ["white", "black"],
                ["samba", "德训鞋"]
            ),
            fam!(
                "Li-Ning",
                "李宁",
                "Feidian 4",
                "飞电 4",
                999,
                ["white", "orange"],
                ["飞电", "feidian"]
            ),
            fam!(
                "Li-Ning",
                "李宁",
                "Way of Wade 10",
                "韦德之道 10",
                1499,
                ["black", "red"],
                ["韦德之道", "wade"]
            ),
            fam!(
                "Anta",
                "安踏",
                "C202 Racing Shoes",
                "C202 竞速跑鞋",
                699,
                ["white", "green"],
                ["c202"]
            ),
            fam!(
                "Xtep",
                "特步",
                "160X 5.0",
                1099,
                ["white", "orange"],
                ["160x", "特步跑鞋"]
            ),
            fam!(
                "New Balance",
                "新百伦",
                "530 Retro",
                699,
                ["white", "grey"],
                ["nb530", "新百伦530"]
            ),
            fam!(
                "Skechers",
                "斯凯奇",
                "Go Walk 7",
                459,
                ["black", "navy"],
                ["斯凯奇", "go walk"]
            ),
            fam!(
                "Converse",
                "匡威",
                "Chuck 70",
                569,
                ["black", "white"],
                ["匡威", "chuck"]
            ),
            fam!(
                "Vans",
                "Vans",
                "Old Skool",
                499,
                ["black", "white"],
                ["vans"]
            ),
            fam!(
                "Asics",
                "亚瑟士",
                "Gel-Kayano 31",
                1290,
                ["blue", "black"],
                ["kayano", "亚瑟士"]
            ),
            fam!(
                "Hoka",
                "Hoka",
                "Clifton 9",
                1199,
                ["black", "white"],
                ["hoka", "clifton"]
            ),
            fam!(
                "Belle",
                "百丽",
                "Leather Loafers",
                "真皮乐福鞋",
                699,
                ["black", "brown"],
                ["乐福鞋", "loafers"]
            ),
            fam!(
                "Red Dragonfly",
                "红蜻蜓",
                "Business Oxford Shoes",
                "商务皮鞋",
                599,
                ["black", "brown"],
                ["皮鞋", "oxfords"]
            ),
            fam!(
                "UGG",
                "UGG",
                "Classic Short Boots",
                "经典短靴",
                1590,
                ["chestnut", "black"],
                ["雪地靴", "ugg"]
            ),
            fam!(
                "Crocs",
                "卡骆驰",
                "Classic Clog",
                "经典洞洞鞋",
                349,
                ["white", "black", "pink"],
                ["洞洞鞋", "crocs"]
            ),
            fam!(
                "Dr. Martens",
                "马丁",
                "1460 Boots",
                "1460 马丁靴",
                1499,
                ["black", "cherry red"],
                ["马丁靴", "doc martens"]
            ),
            fam!(
                "Puma",
                "彪马",
                "Suede Classic",
                599,
                ["black", "red"],
                ["彪马", "puma suede"]
            ),
            fam!(
                "Anta",
                "安踏",
                "KT9 Basketball Shoes",
                "KT9 篮球鞋",
                999,
                ["white", "purple"],
                ["kt9", "汤普森"]
            ),
            fam!(
                "Li-Ning",
                "李宁",
                "Kids Running Shoes",
                "儿童跑鞋",
                299,
                ["pink", "blue"],
                ["儿童鞋", "kids shoes"]
            ),
            fam!(
                "Nike",
                "耐克",
                "Dunk Low",
                899,
                ["panda", "grey"],
                ["dunk", "熊猫鞋"]
            ),
            fam!(
                "Birkenstock",
                "勃肯",
                "Arizona Sandals",
                "Arizona 凉鞋",
                799,
                ["brown", "black"],
                ["勃肯", "sandals"]
            ),
            fam!(
                "Warrior",
                "回力",
                "Canvas Shoes",
                "帆布鞋",
                89,
                ["white", "black"],
                ["回力", "canvas shoes"]
            ),
            fam!(
                "Feiyue",
                "飞跃",
                "Classic Kung Fu Shoes",
                "经典功夫鞋",
                99,
                ["white"],
                ["飞跃", "feiyue"]
            ),
            fam!(
                "Salomon",
                "萨洛蒙",
                "XT-6",
                1680,
                ["black", "grey"],
                ["萨洛蒙", "salomon"]
            ),
            fam!(
                "On",
                "昂跑",
                "Cloud 5",
                1099,
                ["black", "white"],
                ["昂跑", "on cloud"]
            ),
            fam!(
                "Camel",
                "骆驼",
                "Hiking Boots",
                "登山鞋",
                459,
                ["khaki", "black"],
                ["登山鞋", "hiking boots"]
            ),
            fam!(
                "Xtep",
                "特步",
                "Kids Sneakers",
                "儿童运动鞋",
                199,
                ["blue", "pink"],
                ["特步童鞋"]
            ),
        ],
    },
    Category {
        code: "skincare",
        prefix: "SK",
        warranty_months: 0,
        variants: PACKS,
        variant_spec: "pack",
        sizes: &[],
        specs: &[("skin_type", "all skin types"), ("shelf_life", "36 months")],
        families: &[
            fam!(
                "Estée Lauder",
                "雅诗兰黛",
                "Advanced Night Repair Serum 50ml",
                "小棕瓶精华 50ml",
                790,
                [],
                ["小棕瓶", "night repair"]
            ),
            fam!(
                "Lancôme",
                "兰蔻",
                "Advanced Génifique Serum 50ml",
                "小黑瓶精华 50ml",
                1080,
                [],
                ["小黑瓶", "genifique"]
            ),
            fam!(
                "SK-II",
                "SK-II",
                "Facial Treatment Essence 230ml",
                "神仙水 230ml",
                1540,
                [],
                ["神仙水", "pitera"]
            ),
            fam!(
                "Proya",
                "珀莱雅",
                "Double Anti-Aging Serum",
                "双抗精华",
                349,
                [],
                ["双抗精华", "proya serum"]
            ),
            fam!(
                "Winona",
                "薇诺娜",
                "Soothing Repair Cream",
                "舒敏保湿特护霜",
                268,
                [],
                ["特护霜", "winona cream"]
            ),
            fam!(
                "Shiseido",
                "资生堂",
                "Ultimune Power Infusing Concentrate",
                "红腰子精华",
                890,
                [],
                ["红腰子", "ultimune"]
            ),
            fam!(
                "La Roche-Posay",
                "理肤泉",
                "Cicaplast Baume B5",
                "B5 修复霜",
                158,
                [],
                ["b5霜", "cicaplast"]
            ),
            fam!(
                "Kiehl's",
                "科颜氏",
                "Ultra Facial Cream",
                "高保湿面霜",
                345,
                [],
                ["高保湿面霜", "kiehls cream"]
            ),
            fam!(
                "Anessa",
                "安热沙",
                "Perfect UV Sunscreen 60ml",
                "小金瓶防晒 60ml",
                228,
                [],
                ["小金瓶", "sunscreen", "防晒"]
            ),
            fam!(
                "Pechoin",
                "百雀羚",
                "Hydrating Toner",
                "水嫩精纯爽肤水",
                139,
                [],
                ["百雀羚", "toner"]
            ),
            fam!(
                "Hada Labo",
                "肌研",
                "Gokujyun Lotion",
                "极润保湿化妆水",
                89,
                [],
                ["极润", "hada labo"]
            ),
            fam!(
                "Florasis",
                "花西子",
                "Air Loose Powder",
                "空气蜜粉",
                199,
                [],
                ["蜜粉", "loose powder"]
            ),
            fam!(
                "Perfect Diary",
                "完美日记",
                "Velvet Lipstick",
                "丝绒口红",
                89,
                ["red", "coral", "nude"],
                ["口红", "lipstick"]
            ),
            fam!(
                "Curél",
                "珂润",
                "Intensive Moisture Cream",
                "润浸保湿面霜",
                158,
                [],
                ["珂润", "curel"]
            ),
            fam!(
                "Olay",
                "玉兰油",
                "Regenerist Micro-Sculpting Cream",
                "大红瓶面霜",
                299,
                [],
                ["大红瓶", "olay cream"]
            ),
        ],
    },
    Category {
        code: "snacks",
        prefix: "SN",
        warranty_months: 0,
        variants: PACKS,
        variant_spec: "pack",
        sizes: &[],
        specs: &[("weight", "500 g"), ("shelf_life", "9 months")],
        families: &[
            fam!(
                "Three Squirrels",
                "三只松鼠",
                "Daily Nuts Mix",
                "每日坚果",
                129,
                [],
                ["每日坚果", "nuts"]
            ),
            fam!(
                "Three Squirrels",
                "三只松鼠",
                "Pecans",
                "碧根果",
                59,
                [],
                ["碧根果", "pecans"]
            ),
            fam!(
                "Bestore",
                "良品铺子",
                "Pork Jerky",
                "猪肉脯",
                49,
                [],
                ["猪肉脯", "jerky"]
            ),
            fam!(
                "Bestore",
                "良品铺子",
                "Spicy Duck Neck",
                "卤鸭脖",
                39,
                [],
                ["鸭脖", "duck neck"]
            ),
            fam!(
                "Weilong",
                "卫龙",
                "Spicy Gluten Strips",
                "辣条",
                29,
                [],
                ["辣条", "latiao"]
            ),
            fam!(
                "Want Want",
                "旺旺",
                "Rice Crackers Gift Box",
                "旺旺大礼包",
                79,
                [],
                ["旺旺", "rice crackers"]
            ),
            fam!(
                "Oishi",
                "上好佳",
                "Prawn Crackers",
                "鲜虾片",
                19,
                [],
                ["虾片", "prawn crackers"]
            ),
            fam!(
                "Daliyuan",
                "达利园",
                "Soft Bread",
                "软面包",
                35,
                [],
                ["软面包", "soft bread"]
            ),
            fam!(
                "Qiaqia",
                "洽洽",
                "Sunflower Seeds",
                "香瓜子",
                25,
                [],
                ["瓜子", "sunflower seeds"]
            ),
            fam!(
                "Wangzai",
                "旺仔",
                "Milk Drink 24 Cans",
                "牛奶 24 罐",
                89,
                [],
                ["旺仔牛奶", "wangzai milk"]
            ),
            fam!(
                "Haidilao",
                "海底捞",
                "Self-Heating Hot Pot",
                "自热火锅",
                39,
                [],
                ["自热火锅", "hot pot"]
            ),
            fam!(
                "Baicaowei",
                "百草味",
                "Dried Mango",
                "芒果干",
                29,
                [],
                ["芒果干", "dried mango"]
            ),
            fam!(
                "Lay's",
                "乐事",
                "Potato Chips Variety Pack",
                "薯片组合装",
                49,
                [],
                ["薯片", "chips"]
            ),
            fam!(
                "Dove",
                "德芙",
                "Silky Milk Chocolate",
                "丝滑牛奶巧克力",
                59,
                [],
                ["德芙", "chocolate"]
            ),
            fam!(
                "Li Ziqi",
                "李子柒",
                "Luosifen Rice Noodles",
                "螺蛳粉",
                45,
                [],
                ["螺蛳粉", "luosifen"]
            ),
        ],
    },
];

/// Builds the demo catalogue (about 300 products), the same every time.
pub(super) fn products() -> Vec<Product> {
    let mut out = Vec::new();
    for cat in CATEGORIES {
        let mut n = 0;
        for fam in cat.families {
            for &(suffix_en, suffix_zh, delta, spec) in cat.variants {
                n += 1;
                let model_zh = fam.model_zh.unwrap_or(fam.model);
                // "Xiaomi" + "Xiaomi 14" is "Xiaomi 14", not "Xiaomi Xiaomi 14".
                let branded = |brand: &str, model: &str| {
                    if model.starts_with(brand) {
                        model.to_string()
                    } else {
                        format!("{brand} {model}")
                    }
                };
                let with_suffix = |base: &str, suffix: &str| {
                    if suffix.is_empty() {
                        base.to_string()
                    } else {
                        format!("{base} {suffix}")
                    }
                };
                let (base_en, base_zh) = (
                    branded(fam.brand_en, fam.model),
                    branded(fam.brand_zh, model_zh),
                );
                // A 3-pack of a consumable costs three times less a tenth; other variants add a fixed delta.
                let price_yuan = if delta < 0 {
                    fam.price_yuan * 27 / 10
                } else {
                    fam.price_yuan + delta
                };
                let mut specs = Map::new();
                for (k, v) in cat.specs {
                    specs.insert((*k).to_string(), Value::String((*v).to_string()));
                }
                specs.insert(
                    cat.variant_spec.to_string(),
                    Value::String(spec.to_string()),
                );
                let (name_en, name_zh) = (
                    with_suffix(&base_en, suffix_en),
                    with_suffix(&base_zh, suffix_zh),
                );
                // Callers name a product without its variant ("Xiaomi 14", "Mate 60 Pro"); the first variant wins.
                let mut aliases: Vec<String> = fam.aliases.iter().map(|a| a.to_string()).collect();
                for extra in [fam.model, model_zh, base_en.as_str(), base_zh.as_str()] {
                    if extra != name_en && extra != name_zh && !aliases.iter().any(|a| a == extra) {
                        aliases.push(extra.to_string());
                    }
                }
                // Stock follows a fixed pattern so a few products are sold out.
                let stock = if n % 11 == 0 {
                    0
                } else {
                    (n * 37 % 200) as i64 + 5
                };
                out.push(Product {
                    id: 0,
                    sku: format!("{}{:04}", cat.prefix, n),
                    name_zh,
                    name_en,
                    aliases,
                    category: cat.code.to_string(),
                    brand: fam.brand_en.to_string(),
                    specs,
                    price_cents: price_yuan * 100,
                    stock,
                    warranty_months: cat.warranty_months,
                    colours: fam.colours.iter().map(|c| c.to_string()).collect(),
                    sizes: cat.sizes.iter().map(|s| s.to_string()).collect(),
                });
            }
        }
    }
    out
}

/// The category codes, in catalogue order.
pub fn category_codes() -> impl Iterator<Item = &'static str> {
    CATEGORIES.iter().map(|c| c.code)
}

/// (zh, en) display names of a category code.
pub fn category_names(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "phones" => ("手机", "phones"),
        "earbuds" => ("耳机", "earbuds"),
        "laptops" => ("笔记本电脑", "laptops"),
        "tablets" => ("平板电脑", "tablets"),
        "smartwatches" => ("智能手表", "smartwatches"),
        "home_appliances" => ("家用电器", "home appliances"),
        "clothing" => ("服装", "clothing"),
        "shoes" => ("鞋子", "shoes"),
        "skincare" => ("护肤品", "skincare"),
        "snacks" => ("零食", "snacks"),
        _ => return None,
    })
}
