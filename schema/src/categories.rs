//! The categories a registry starts with (an administrator can add more).

/// A market category: slug, English and Chinese display names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    pub slug: &'static str,
    pub name: &'static str,
    pub name_zh: &'static str,
}

/// The seeded categories, in display order.
pub const DEFAULT_CATEGORIES: &[Category] = &[
    Category {
        slug: "iot",
        name: "IoT",
        name_zh: "物联网",
    },
    Category {
        slug: "industrial-iot",
        name: "Industrial IoT",
        name_zh: "工业物联",
    },
    Category {
        slug: "logistics",
        name: "Logistics & Warehousing",
        name_zh: "仓储物流",
    },
    Category {
        slug: "mes",
        name: "Manufacturing / MES",
        name_zh: "生产制造",
    },
    Category {
        slug: "scada",
        name: "SCADA & Data Acquisition",
        name_zh: "数据采集",
    },
    Category {
        slug: "data-analytics",
        name: "Data Analytics",
        name_zh: "数据分析及展现",
    },
    Category {
        slug: "ai",
        name: "AI & Algorithms",
        name_zh: "智能算法",
    },
    Category {
        slug: "security",
        name: "Security",
        name_zh: "工业安全",
    },
    Category {
        slug: "hardware",
        name: "Gateways & Devices",
        name_zh: "物联硬件",
    },
    Category {
        slug: "devtools",
        name: "Developer Tools",
        name_zh: "开发工具",
    },
    Category {
        slug: "middleware",
        name: "Databases & Middleware",
        name_zh: "中间件",
    },
    Category {
        slug: "other",
        name: "Other",
        name_zh: "其他",
    },
];
