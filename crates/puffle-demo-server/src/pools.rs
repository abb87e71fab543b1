//! Word lists the seeded generator draws from.
//!
//! Names are stored as `(native spelling, romanised slug)` pairs so that URLs, e-mail addresses and
//! LinkedIn slugs stay ASCII while display names keep their accents, CJK characters or right-to-left
//! scripts, exactly like real enrichment data does.

/// How a locale orders its name parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameStyle {
    /// "Given Family" (Western, Arabic, Hebrew, Greek, Cyrillic).
    GivenFamily,
    /// "Family Given" with a space (Japanese: "渡辺 さくら").
    FamilyGivenSpaced,
    /// "FamilyGiven" with no space (Chinese "王伟", Korean "김민준").
    FamilyGivenJoined,
}

/// One naming locale: its pools, how names are assembled, and how often it is drawn.
pub(crate) struct Locale {
    pub given: &'static [(&'static str, &'static str)],
    pub family: &'static [(&'static str, &'static str)],
    pub style: NameStyle,
    pub weight: u32,
    /// True for Japanese, whose headlines get a localised variant.
    pub japanese: bool,
}

pub(crate) const LOCALES: &[Locale] = &[
    Locale {
        given: &[
            ("Zoë", "zoe"),
            ("José", "jose"),
            ("Marek", "marek"),
            ("Anaïs", "anais"),
            ("Björn", "bjorn"),
            ("Søren", "soren"),
            ("François", "francois"),
            ("Łukasz", "lukasz"),
            ("Chloé", "chloe"),
            ("Emma", "emma"),
            ("Liam", "liam"),
            ("Olivia", "olivia"),
            ("Noah", "noah"),
            ("Hannah", "hannah"),
            ("Mateo", "mateo"),
            ("Sofía", "sofia"),
            ("Jürgen", "jurgen"),
            ("Inès", "ines"),
            ("Aoife", "aoife"),
            ("Siobhán", "siobhan"),
            ("Ólafur", "olafur"),
            ("Renée", "renee"),
            ("Priya", "priya"),
            ("Arjun", "arjun"),
            ("Çağla", "cagla"),
            ("Mehmet", "mehmet"),
            ("Thandiwe", "thandiwe"),
            ("Chidi", "chidi"),
            ("Agnieszka", "agnieszka"),
            ("Tomás", "tomas"),
            ("Maëlle", "maelle"),
            ("Camille", "camille"),
        ],
        family: &[
            ("Brennan-Okafor", "brennan-okafor"),
            ("Álvarez Núñez", "alvarez-nunez"),
            ("Dvořák", "dvorak"),
            ("Müller", "muller"),
            ("Østergaard", "ostergaard"),
            ("Lefèvre", "lefevre"),
            ("Wiśniewski", "wisniewski"),
            ("O'Connor", "oconnor"),
            ("García", "garcia"),
            ("Smith", "smith"),
            ("Johansson", "johansson"),
            ("Rossi", "rossi"),
            ("Novák", "novak"),
            ("Raghunathan", "raghunathan"),
            ("Mehta", "mehta"),
            ("Yıldız", "yildiz"),
            ("Nkosi", "nkosi"),
            ("Okonkwo", "okonkwo"),
            ("van der Berg", "van-der-berg"),
            ("Fernández", "fernandez"),
            ("Schröder", "schroder"),
            ("Nguyễn", "nguyen"),
            ("Kovačević", "kovacevic"),
            ("Þórsson", "thorsson"),
            ("Brzęczyszczykiewicz", "brzeczyszczykiewicz"),
            ("Dubois", "dubois"),
            ("Silva", "silva"),
            ("Andersen", "andersen"),
        ],
        style: NameStyle::GivenFamily,
        weight: 62,
        japanese: false,
    },
    Locale {
        given: &[
            ("さくら", "sakura"),
            ("健太", "kenta"),
            ("陽菜", "hina"),
            ("翔", "sho"),
            ("美咲", "misaki"),
            ("大輔", "daisuke"),
        ],
        family: &[
            ("渡辺", "watanabe"),
            ("佐藤", "sato"),
            ("鈴木", "suzuki"),
            ("高橋", "takahashi"),
            ("田中", "tanaka"),
            ("伊藤", "ito"),
        ],
        style: NameStyle::FamilyGivenSpaced,
        weight: 7,
        japanese: true,
    },
    Locale {
        given: &[
            ("伟", "wei"),
            ("芳", "fang"),
            ("娜", "na"),
            ("敏", "min"),
            ("静", "jing"),
            ("强", "qiang"),
            ("晓明", "xiaoming"),
        ],
        family: &[
            ("王", "wang"),
            ("李", "li"),
            ("张", "zhang"),
            ("刘", "liu"),
            ("陈", "chen"),
            ("杨", "yang"),
        ],
        style: NameStyle::FamilyGivenJoined,
        weight: 7,
        japanese: false,
    },
    Locale {
        given: &[
            ("민준", "minjun"),
            ("서연", "seoyeon"),
            ("지호", "jiho"),
            ("하은", "haeun"),
            ("도윤", "doyun"),
        ],
        family: &[
            ("김", "kim"),
            ("이", "lee"),
            ("박", "park"),
            ("최", "choi"),
            ("정", "jung"),
        ],
        style: NameStyle::FamilyGivenJoined,
        weight: 6,
        japanese: false,
    },
    Locale {
        given: &[
            ("ليلى", "layla"),
            ("محمد", "mohammed"),
            ("فاطمة", "fatima"),
            ("عمر", "omar"),
            ("يوسف", "youssef"),
            ("نور", "nour"),
        ],
        family: &[
            ("حداد", "haddad"),
            ("الخطيب", "alkhatib"),
            ("منصور", "mansour"),
            ("العلي", "alali"),
            ("سليمان", "suleiman"),
        ],
        style: NameStyle::GivenFamily,
        weight: 6,
        japanese: false,
    },
    Locale {
        given: &[
            ("דוד", "david"),
            ("נועה", "noa"),
            ("יוסי", "yossi"),
            ("מיכל", "michal"),
            ("אביגיל", "avigail"),
        ],
        family: &[
            ("כהן", "cohen"),
            ("לוי", "levi"),
            ("מזרחי", "mizrahi"),
            ("פרץ", "peretz"),
            ("אברהם", "avraham"),
        ],
        style: NameStyle::GivenFamily,
        weight: 5,
        japanese: false,
    },
    Locale {
        given: &[
            ("Γιώργος", "giorgos"),
            ("Ελένη", "eleni"),
            ("Νίκος", "nikos"),
        ],
        family: &[("Παπαδόπουλος", "papadopoulos"), ("Οικονόμου", "oikonomou")],
        style: NameStyle::GivenFamily,
        weight: 3,
        japanese: false,
    },
    Locale {
        given: &[("Дмитрий", "dmitry"), ("Анна", "anna"), ("Ольга", "olga")],
        family: &[
            ("Смирнова", "smirnova"),
            ("Иванов", "ivanov"),
            ("Кузнецов", "kuznetsov"),
        ],
        style: NameStyle::GivenFamily,
        weight: 4,
        japanese: false,
    },
];

/// Halves of generated company names: "Lumen" + "lake" = "Lumenlake".
pub(crate) const COMPANY_PREFIXES: &[&str] = &[
    "Lumen", "Quartz", "Nimbus", "Vector", "Harbor", "Cobalt", "Ember", "Atlas", "Nova", "Orbit",
    "Pine", "Signal", "Tidal", "Verdant", "Zephyr", "Polar", "Kite", "Maple", "Granite", "Aurora",
    "Helix", "Juniper", "Onyx", "Prism", "Ridge", "Sable", "Summit", "Vanta", "Willow", "Copper",
];
pub(crate) const COMPANY_SUFFIXES: &[&str] = &[
    "lake", "works", "stack", "ly", "forge", "labs", "ware", "base", "point", "loop", "grid",
    "field", "path", "wave", "craft", "hub", "sense", "flow", "mint", "scale",
];
/// Legal-form endings appended to generated names; the empty string is the most common.
pub(crate) const COMPANY_FORMS: &[&str] = &[
    "", "", "", "", "", " Inc.", " GmbH", " Labs", " AI", " Ltd", " SAS", " AB", " 🚀",
];
pub(crate) const TLDS: &[&str] = &[".io", ".com", ".ai", ".co", ".dev", ".app"];

/// Hand-written companies with international names: (display name, slug, domain suffix).
pub(crate) const SPECIAL_COMPANIES: &[(&str, &str, &str)] = &[
    ("株式会社ミライテック", "mirai-tech", ".co.jp"),
    ("Brněnská Data s.r.o.", "brnenska-data", ".cz"),
    ("Qamar Labs", "qamarlabs", ".ae"),
    ("Société Générale de Logiciel", "sgl-logiciel", ".fr"),
    ("Müller & Söhne GmbH", "mueller-soehne", ".de"),
    ("北京云图科技有限公司", "yuntu-tech", ".cn"),
    ("주식회사 한빛소프트", "hanbitsoft", ".co.kr"),
    ("שקד טכנולוגיות", "shaked-tech", ".co.il"),
    ("Çelik Yazılım A.Ş.", "celik-yazilim", ".com.tr"),
    ("Ωmega Systems", "omega-systems", ".gr"),
    ("🚀 Rocketship HQ", "rocketship", ".io"),
    ("Kiwi 🥝 Analytics", "kiwi-analytics", ".nz"),
    ("Łódź Robotics", "lodz-robotics", ".pl"),
    ("Café Olé Commerce", "cafe-ole", ".es"),
    ("Nordlys Energi AS", "nordlys", ".no"),
    ("مستقبل للتقنية", "mustaqbal-tech", ".sa"),
];

pub(crate) const INDUSTRIES: &[&str] = &[
    "Software Development",
    "IT Services and IT Consulting",
    "Financial Services",
    "Marketing Services",
    "Hospitals and Health Care",
    "Computer and Network Security",
    "Renewable Energy",
    "E-Learning Providers",
    "Transportation, Logistics, Supply Chain and Storage",
    "Retail",
    "Biotechnology Research",
    "Venture Capital and Private Equity",
    "Staffing and Recruiting",
];

pub(crate) const TITLES: &[&str] = &[
    "VP Engineering",
    "Head of Growth",
    "CTO",
    "Co-founder & CEO",
    "Director of Sales",
    "Account Executive",
    "RevOps Lead",
    "Staff Software Engineer",
    "Chief Revenue Officer",
    "Head of Marketing",
    "Product Manager",
    "SDR Team Lead",
    "Founder",
    "Head of Data",
    "VP Sales",
    "Customer Success Manager",
];

/// Japanese job titles for the localised headline variant ("株式会社ミライテック 営業企画部長").
pub(crate) const JA_TITLES: &[&str] = &["営業企画部長", "代表取締役", "マーケティング部長", "CTO"];

pub(crate) const FORMER_EMPLOYERS: &[&str] = &[
    "Stripe",
    "Google",
    "Shopify",
    "Datadog",
    "SAP",
    "Atlassian",
    "Revolut",
    "Spotify",
];

pub(crate) const TOPICS: &[&str] = &[
    "RevOps",
    "product-led growth",
    "AI agents",
    "cold email",
    "SOC 2",
    "data pipelines",
    "usage-based pricing",
    "outbound",
    "HubSpot & Salesforce",
];

pub(crate) const ROLES: &[&str] = &[
    "Senior Account Executive",
    "Head of RevOps",
    "Founding Engineer",
    "Growth Marketer",
    "Sales Development Rep",
    "Platform Engineer",
];

pub(crate) const CITIES: &[&str] = &[
    "Berlin",
    "London",
    "New York",
    "Tokyo",
    "São Paulo",
    "Tel Aviv",
    "Dubai",
    "Kraków",
];

pub(crate) const INVESTORS: &[&str] = &[
    "Accel",
    "Index Ventures",
    "Sequoia",
    "Point Nine",
    "Balderton",
    "a16z",
];

pub(crate) const PRODUCTS: &[&str] = &[
    "an AI copilot for sales teams",
    "a self-serve analytics tier",
    "its public API",
    "a Salesforce integration",
];

pub(crate) const TOOLS: &[&str] = &["Snowflake", "dbt", "Clay", "Apollo", "Gong", "Kubernetes"];
