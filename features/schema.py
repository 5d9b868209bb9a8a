"""The raw Home Credit Default Risk tables, described once.

Every other part of the project derives what it needs from here: the loader's dtypes, the synthetic
generator's columns, the API's request model, the Great Expectations suite and the UI's labels.
Column names and their order match the Kaggle files exactly.

In memory, keys are ``int32``, every other numeric column is ``float32`` (exact for every integer the
files hold, and able to carry the missing values that any field of an incoming application may have),
and text columns are pandas categoricals with the fixed levels listed here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "DAYS_SENTINEL",
    "HISTORY_TABLES",
    "SCHEMA_VERSION",
    "TABLES",
    "Column",
    "Kind",
    "Table",
    "table",
]

SCHEMA_VERSION = "1"

#: Placeholder that Home Credit writes instead of a date in several DAYS_* columns (about 1,000 years
#: in the future); it means "not applicable", e.g. DAYS_EMPLOYED of pensioners.
DAYS_SENTINEL = 365243


class Kind(enum.StrEnum):
    """What a column holds."""

    KEY = "key"
    NUMBER = "number"
    CATEGORY = "category"
    TARGET = "target"


@dataclass(frozen=True)
class Column:
    """One column of a raw table.

    Parameters
    ----------
    name : str
        Name exactly as in the Kaggle file.
    kind : Kind
        Key, number, category or target.
    description : str
        Short plain-language description, shown to advisors.
    nullable : bool, default=True
        Whether the real files have missing values in this column.
    categories : tuple of str, default=()
        The allowed levels of a category column.
    low, high : float or None, default=None
        Hard limits: a value outside them is impossible, not merely rare.
    sentinel : int or None, default=None
        A placeholder value that means "not applicable" (``DAYS_SENTINEL``).
    written_as_int : bool, default=False
        Whether the Kaggle file writes the column without decimals ("48" rather than "48.0").
    references : str or None, default=None
        For a key: the table whose primary key it points to.
    """

    name: str
    kind: Kind
    description: str
    nullable: bool = True
    categories: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    sentinel: int | None = None
    written_as_int: bool = False
    references: str | None = None

    @property
    def dtype(self) -> str:
        """str: the pandas dtype of this column in memory."""
        if self.kind is Kind.CATEGORY:
            return "category"
        if self.kind is Kind.KEY:
            return "int32"
        if self.kind is Kind.TARGET:
            return "int8"
        return "float32"


@dataclass(frozen=True)
class Table:
    """One raw table: its file stem, its columns in file order and its keys."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: str | None
    parent_key: str

    @property
    def column_names(self) -> list[str]:
        """list of str: column names in file order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the column called `name`.

        Raises
        ------
        KeyError
            If the table has no such column.
        """
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name} has no column {name!r}")

    @property
    def keys(self) -> list[str]:
        """list of str: the key columns (primary and foreign)."""
        return [c.name for c in self.columns if c.kind is Kind.KEY]

    @property
    def categorical(self) -> list[Column]:
        """list of Column: the category columns."""
        return [c for c in self.columns if c.kind is Kind.CATEGORY]

    @property
    def numeric(self) -> list[Column]:
        """list of Column: the number columns (keys and target excluded)."""
        return [c for c in self.columns if c.kind is Kind.NUMBER]


# Constructors that keep the column lists below readable: one line per column.
def _key(name: str, description: str, references: str | None = None) -> Column:
    return Column(name, Kind.KEY, description, nullable=False, written_as_int=True,
                  references=references)


def _int(name: str, description: str, low: float | None = None, high: float | None = None,
         sentinel: int | None = None) -> Column:
    """A count, flag or day offset written without decimals and never missing in the real files."""
    return Column(name, Kind.NUMBER, description, nullable=False, low=low, high=high,
                  sentinel=sentinel, written_as_int=True)


def _num(name: str, description: str, low: float | None = None, high: float | None = None,
         sentinel: int | None = None) -> Column:
    """A number written with decimals; may be missing."""
    return Column(name, Kind.NUMBER, description, low=low, high=high, sentinel=sentinel)


def _cat(name: str, description: str, levels: tuple[str, ...], nullable: bool = False) -> Column:
    return Column(name, Kind.CATEGORY, description, nullable=nullable, categories=levels)


# Category levels shared by several columns or tables.
_YES_NO = ("N", "Y")
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_SUITES = ("Unaccompanied", "Family", "Spouse, partner", "Children", "Other_A", "Other_B",
           "Group of people")
_ORGANIZATIONS = (
    "Advertising", "Agriculture", "Bank", "Business Entity Type 1", "Business Entity Type 2",
    "Business Entity Type 3", "Cleaning", "Construction", "Culture", "Electricity", "Emergency",
    "Government", "Hotel", "Housing", *(f"Industry: type {i}" for i in range(1, 14)), "Insurance",
    "Kindergarten", "Legal Services", "Medicine", "Military", "Mobile", "Other", "Police", "Postal",
    "Realtor", "Religion", "Restaurant", "School", "Security", "Security Ministries",
    "Self-employed", "Services", "Telecom", *(f"Trade: type {i}" for i in range(1, 8)),
    *(f"Transport: type {i}" for i in range(1, 5)), "University", "XNA",
)
_OCCUPATIONS = (
    "Accountants", "Cleaning staff", "Cooking staff", "Core staff", "Drivers", "HR staff",
    "High skill tech staff", "IT staff", "Laborers", "Low-skill Laborers", "Managers",
    "Medicine staff", "Private service staff", "Realty agents", "Sales staff", "Secretaries",
    "Security staff", "Waiters/barmen staff",
)

# The 14 building measures, each given as an average, a mode and a median over the client's building
# ("normalised information about the building where the client lives").
_BUILDING_MEASURES = (
    ("APARTMENTS", "apartment size"), ("BASEMENTAREA", "basement area"),
    ("YEARS_BEGINEXPLUATATION", "years since the building came into use"),
    ("YEARS_BUILD", "age of the building"), ("COMMONAREA", "common area"),
    ("ELEVATORS", "number of elevators"), ("ENTRANCES", "number of entrances"),
    ("FLOORSMAX", "highest floor"), ("FLOORSMIN", "lowest floor"), ("LANDAREA", "land area"),
    ("LIVINGAPARTMENTS", "living apartments"), ("LIVINGAREA", "living area"),
    ("NONLIVINGAPARTMENTS", "non-living apartments"), ("NONLIVINGAREA", "non-living area"),
)
_BUILDING_STATISTICS = (("AVG", "average"), ("MODE", "most common value"), ("MEDI", "median"))

_BUREAU_ENQUIRY_PERIODS = (
    ("HOUR", "in the hour before the application"),
    ("DAY", "in the day before the application (last hour excluded)"),
    ("WEEK", "in the week before the application (last day excluded)"),
    ("MON", "in the month before the application (last week excluded)"),
    ("QRT", "in the 3 months before the application (last month excluded)"),
    ("YEAR", "in the year before the application (last 3 months excluded)"),
)


def _application_columns(with_target: bool) -> tuple[Column, ...]:
    head = [_key("SK_ID_CURR", "Loan application identifier")]
    if with_target:
        head.append(Column("TARGET", Kind.TARGET, "Outcome: 1 if the client had payment difficulties",
                           nullable=False, low=0, high=1, written_as_int=True))
    building = [
        _num(f"{measure}_{stat}", f"Building {label}, {stat_label} (normalised 0-1)", 0, 1)
        for stat, stat_label in _BUILDING_STATISTICS
        for measure, label in _BUILDING_MEASURES
    ]
    return (
        *head,
        _cat("NAME_CONTRACT_TYPE", "Type of loan asked for", ("Cash loans", "Revolving loans")),
        _cat("CODE_GENDER", "Gender", ("F", "M", "XNA")),
        _cat("FLAG_OWN_CAR", "Owns a car", _YES_NO),
        _cat("FLAG_OWN_REALTY", "Owns a house or flat", _YES_NO),
        _int("CNT_CHILDREN", "Number of children", 0, 30),
        _num("AMT_INCOME_TOTAL", "Annual income", 1),
        _num("AMT_CREDIT", "Credit amount of the loan", 1),
        _num("AMT_ANNUITY", "Loan annuity (yearly repayment)", 0),
        _num("AMT_GOODS_PRICE", "Price of the goods the loan pays for", 0),
        _cat("NAME_TYPE_SUITE", "Who came with the client to apply", _SUITES, nullable=True),
        _cat("NAME_INCOME_TYPE", "Source of income", (
            "Working", "Commercial associate", "Pensioner", "State servant", "Unemployed",
            "Student", "Businessman", "Maternity leave")),
        _cat("NAME_EDUCATION_TYPE", "Highest education", (
            "Secondary / secondary special", "Higher education", "Incomplete higher",
            "Lower secondary", "Academic degree")),
        _cat("NAME_FAMILY_STATUS", "Family status", (
            "Married", "Single / not married", "Civil marriage", "Separated", "Widow", "Unknown")),
        _cat("NAME_HOUSING_TYPE", "Housing situation", (
            "House / apartment", "With parents", "Municipal apartment", "Rented apartment",
            "Office apartment", "Co-op apartment")),
        _num("REGION_POPULATION_RELATIVE", "Population density of the client's region (normalised)",
             0, 1),
        _int("DAYS_BIRTH", "Age in days at application (negative)", -40000, 0),
        _int("DAYS_EMPLOYED", "Days employed before application (negative)", -40000, 0,
             sentinel=DAYS_SENTINEL),
        _num("DAYS_REGISTRATION", "Days since the client changed their registration (negative)",
             -40000, 0),
        _int("DAYS_ID_PUBLISH", "Days since the client changed their identity document (negative)",
             -40000, 0),
        _num("OWN_CAR_AGE", "Age of the client's car in years", 0, 100),
        _int("FLAG_MOBIL", "Gave a mobile phone", 0, 1),
        _int("FLAG_EMP_PHONE", "Gave a work phone (employer's)", 0, 1),
        _int("FLAG_WORK_PHONE", "Gave a home phone", 0, 1),
        _int("FLAG_CONT_MOBILE", "Mobile phone reachable", 0, 1),
        _int("FLAG_PHONE", "Gave another phone", 0, 1),
        _int("FLAG_EMAIL", "Gave an e-mail address", 0, 1),
        _cat("OCCUPATION_TYPE", "Occupation", _OCCUPATIONS, nullable=True),
        _num("CNT_FAM_MEMBERS", "Number of family members", 1, 40),
        _int("REGION_RATING_CLIENT", "Home Credit's rating of the client's region (1-3)", 1, 3),
        _int("REGION_RATING_CLIENT_W_CITY", "Rating of the client's region and city (1-3)", 1, 3),
        _cat("WEEKDAY_APPR_PROCESS_START", "Weekday of the application", _WEEKDAYS),
        _int("HOUR_APPR_PROCESS_START", "Hour of the application", 0, 23),
        _int("REG_REGION_NOT_LIVE_REGION", "Registered and living in different regions", 0, 1),
        _int("REG_REGION_NOT_WORK_REGION", "Registered and working in different regions", 0, 1),
        _int("LIVE_REGION_NOT_WORK_REGION", "Living and working in different regions", 0, 1),
        _int("REG_CITY_NOT_LIVE_CITY", "Registered and living in different cities", 0, 1),
        _int("REG_CITY_NOT_WORK_CITY", "Registered and working in different cities", 0, 1),
        _int("LIVE_CITY_NOT_WORK_CITY", "Living and working in different cities", 0, 1),
        _cat("ORGANIZATION_TYPE", "Type of employer", _ORGANIZATIONS),
        _num("EXT_SOURCE_1", "External credit score 1 (0-1)", 0, 1),
        _num("EXT_SOURCE_2", "External credit score 2 (0-1)", 0, 1),
        _num("EXT_SOURCE_3", "External credit score 3 (0-1)", 0, 1),
        *building,
        _cat("FONDKAPREMONT_MODE", "Building's repair-fund account", (
            "reg oper account", "reg oper spec account", "org spec account", "not specified"),
            nullable=True),
        _cat("HOUSETYPE_MODE", "Type of building", (
            "block of flats", "terraced house", "specific housing"), nullable=True),
        _num("TOTALAREA_MODE", "Building total area, most common value (normalised 0-1)", 0, 1),
        _cat("WALLSMATERIAL_MODE", "Building wall material", (
            "Panel", "Stone, brick", "Block", "Wooden", "Mixed", "Monolithic", "Others"),
            nullable=True),
        _cat("EMERGENCYSTATE_MODE", "Building in emergency state", ("No", "Yes"), nullable=True),
        _num("OBS_30_CNT_SOCIAL_CIRCLE", "Acquaintances observed with 30 days past due", 0),
        _num("DEF_30_CNT_SOCIAL_CIRCLE", "Acquaintances who defaulted at 30 days past due", 0),
        _num("OBS_60_CNT_SOCIAL_CIRCLE", "Acquaintances observed with 60 days past due", 0),
        _num("DEF_60_CNT_SOCIAL_CIRCLE", "Acquaintances who defaulted at 60 days past due", 0),
        _num("DAYS_LAST_PHONE_CHANGE", "Days since the client changed phone (negative)", -40000, 0),
        *(_int(f"FLAG_DOCUMENT_{i}", f"Provided document {i}", 0, 1) for i in range(2, 22)),
        *(_num(f"AMT_REQ_CREDIT_BUREAU_{period}", f"Credit bureau enquiries {label}", 0)
          for period, label in _BUREAU_ENQUIRY_PERIODS),
    )


_CURRENT = "application_train"

_APPLICATION_TRAIN = Table(
    "application_train", "One row per loan application, with its outcome (TARGET)",
    _application_columns(with_target=True), primary_key="SK_ID_CURR", parent_key="SK_ID_CURR")

_APPLICATION_TEST = Table(
    "application_test", "One row per loan application, without outcome",
    _application_columns(with_target=False), primary_key="SK_ID_CURR", parent_key="SK_ID_CURR")

_BUREAU = Table(
    "bureau", "The client's credits at other institutions, as reported by the credit bureau", (
        _key("SK_ID_CURR", "Loan application identifier", references=_CURRENT),
        _key("SK_ID_BUREAU", "Credit bureau credit identifier"),
        _cat("CREDIT_ACTIVE", "Status of the bureau credit", ("Closed", "Active", "Sold", "Bad debt")),
        _cat("CREDIT_CURRENCY", "Currency of the bureau credit (recoded)", tuple(
            f"currency {i}" for i in range(1, 5))),
        _int("DAYS_CREDIT", "Days before the application that the bureau credit was opened",
             -40000, 0),
        _int("CREDIT_DAY_OVERDUE", "Days past due on the bureau credit at application", 0),
        _num("DAYS_CREDIT_ENDDATE", "Days until the bureau credit's planned end"),
        _num("DAYS_ENDDATE_FACT", "Days since the bureau credit actually ended", -40000, 0),
        _num("AMT_CREDIT_MAX_OVERDUE", "Largest amount ever overdue on the bureau credit", 0),
        _int("CNT_CREDIT_PROLONG", "Times the bureau credit was prolonged", 0),
        _num("AMT_CREDIT_SUM", "Amount of the bureau credit", 0),
        _num("AMT_CREDIT_SUM_DEBT", "Current debt on the bureau credit"),
        _num("AMT_CREDIT_SUM_LIMIT", "Credit limit of a card reported to the bureau"),
        _num("AMT_CREDIT_SUM_OVERDUE", "Amount currently overdue on the bureau credit", 0),
        _cat("CREDIT_TYPE", "Type of bureau credit", (
            "Consumer credit", "Credit card", "Car loan", "Mortgage", "Microloan",
            "Loan for business development", "Another type of loan", "Unknown type of loan",
            "Loan for working capital replenishment", "Cash loan (non-earmarked)",
            "Real estate loan", "Loan for the purchase of equipment",
            "Loan for purchase of shares (margin lending)", "Interbank credit",
            "Mobile operator loan")),
        _int("DAYS_CREDIT_UPDATE", "Days since the bureau last updated the credit", -50000, 0),
        _num("AMT_ANNUITY", "Annuity of the bureau credit", 0),
    ), primary_key="SK_ID_BUREAU", parent_key="SK_ID_CURR")

_BUREAU_BALANCE = Table(
    "bureau_balance", "Monthly status of each credit bureau credit", (
        _key("SK_ID_BUREAU", "Credit bureau credit identifier", references="bureau"),
        _int("MONTHS_BALANCE", "Month relative to the application (0 = month of application)",
             -1200, 0),
        _cat("STATUS", "Monthly status: C closed, X unknown, 0 no delay, 1-5 months past due "
             "(1: 1-30 days ... 5: over 120 days or written off)",
             ("C", "X", "0", "1", "2", "3", "4", "5")),
    ), primary_key=None, parent_key="SK_ID_BUREAU")

_PREVIOUS_APPLICATION = Table(
    "previous_application", "The client's earlier applications at Home Credit", (
        _key("SK_ID_PREV", "Previous application identifier"),
        _key("SK_ID_CURR", "Loan application identifier", references=_CURRENT),
        _cat("NAME_CONTRACT_TYPE", "Type of loan asked for before", (
            "Consumer loans", "Cash loans", "Revolving loans", "XNA")),
        _num("AMT_ANNUITY", "Annuity of the previous loan", 0),
        _num("AMT_APPLICATION", "Amount asked for on the previous application", 0),
        _num("AMT_CREDIT", "Amount granted on the previous application", 0),
        _num("AMT_DOWN_PAYMENT", "Down payment on the previous application"),
        _num("AMT_GOODS_PRICE", "Price of the goods of the previous application", 0),
        _cat("WEEKDAY_APPR_PROCESS_START", "Weekday of the previous application", _WEEKDAYS),
        _int("HOUR_APPR_PROCESS_START", "Hour of the previous application", 0, 23),
        _cat("FLAG_LAST_APPL_PER_CONTRACT", "Last application for its contract", _YES_NO),
        _int("NFLAG_LAST_APPL_IN_DAY", "Last application of its day", 0, 1),
        _num("RATE_DOWN_PAYMENT", "Down payment rate (normalised)"),
        _num("RATE_INTEREST_PRIMARY", "Interest rate (normalised)"),
        _num("RATE_INTEREST_PRIVILEGED", "Privileged interest rate (normalised)"),
        _cat("NAME_CASH_LOAN_PURPOSE", "Purpose of a cash loan", (
            "XAP", "XNA", "Repairs", "Other", "Urgent needs", "Buying a used car",
            "Building a house or an annex", "Everyday expenses", "Medicine",
            "Payments on other loans", "Education", "Journey",
            "Purchase of electronic equipment", "Buying a new car", "Wedding / gift / holiday",
            "Buying a home", "Car repairs", "Furniture", "Buying a holiday home / land",
            "Business development", "Gasification / water supply", "Buying a garage", "Hobby",
            "Money for a third person", "Refusal to name the goal")),
        _cat("NAME_CONTRACT_STATUS", "Outcome of the previous application", (
            "Approved", "Canceled", "Refused", "Unused offer")),
        _int("DAYS_DECISION", "Days before the application that the previous one was decided",
             -40000, 0),
        _cat("NAME_PAYMENT_TYPE", "How the client chose to pay the previous loan", (
            "Cash through the bank", "XNA", "Non-cash from your account",
            "Cashless from the account of the employer")),
        _cat("CODE_REJECT_REASON", "Why the previous application was refused", (
            "XAP", "HC", "LIMIT", "SCO", "CLIENT", "SCOFR", "XNA", "VERIF", "SYSTEM")),
        _cat("NAME_TYPE_SUITE", "Who came with the client to the previous application", _SUITES,
             nullable=True),
        _cat("NAME_CLIENT_TYPE", "New or returning client at the previous application", (
            "Repeater", "New", "Refreshed", "XNA")),
        _cat("NAME_GOODS_CATEGORY", "Kind of goods of the previous application", (
            "XNA", "Mobile", "Consumer Electronics", "Computers", "Audio/Video", "Furniture",
            "Photo / Cinema Equipment", "Construction Materials", "Clothing and Accessories",
            "Auto Accessories", "Jewelry", "Homewares", "Medical Supplies", "Vehicles",
            "Sport and Leisure", "Gardening", "Other", "Office Appliances", "Tourism", "Medicine",
            "Direct Sales", "Fitness", "Additional Service", "Education", "Weapon", "Insurance",
            "House Construction", "Animals")),
        _cat("NAME_PORTFOLIO", "Portfolio of the previous application", (
            "POS", "Cash", "XNA", "Cards", "Cars")),
        _cat("NAME_PRODUCT_TYPE", "Cross-sell or walk-in previous application", (
            "XNA", "x-sell", "walk-in")),
        _cat("CHANNEL_TYPE", "Channel through which the client came", (
            "Credit and cash offices", "Country-wide", "Stone", "Regional / Local",
            "AP+ (Cash loan)", "Contact center", "Channel of corporate sales", "Car dealer")),
        _int("SELLERPLACE_AREA", "Selling area of the seller (-1 if none)", -1),
        _cat("NAME_SELLER_INDUSTRY", "Industry of the seller", (
            "XNA", "Consumer electronics", "Connectivity", "Furniture", "Construction",
            "Clothing", "Industry", "Auto technology", "Jewelry", "MLM partners", "Tourism")),
        _num("CNT_PAYMENT", "Term of the previous loan in months", 0),
        _cat("NAME_YIELD_GROUP", "Interest rate band of the previous loan", (
            "XNA", "middle", "high", "low_normal", "low_action")),
        _cat("PRODUCT_COMBINATION", "Product of the previous application", (
            "Cash", "POS household with interest", "POS mobile with interest",
            "Cash X-Sell: middle", "Cash X-Sell: low", "Card Street",
            "POS industry with interest", "POS household without interest", "Card X-Sell",
            "Cash Street: high", "Cash X-Sell: high", "Cash Street: middle", "Cash Street: low",
            "POS mobile without interest", "POS other with interest",
            "POS industry without interest", "POS others without interest"), nullable=True),
        _num("DAYS_FIRST_DRAWING", "Days until the first disbursement of the previous loan",
             sentinel=DAYS_SENTINEL),
        _num("DAYS_FIRST_DUE", "Days until the first due date of the previous loan",
             sentinel=DAYS_SENTINEL),
        _num("DAYS_LAST_DUE_1ST_VERSION", "Days until the first planned last due date",
             sentinel=DAYS_SENTINEL),
        _num("DAYS_LAST_DUE", "Days until the last due date of the previous loan",
             sentinel=DAYS_SENTINEL),
        _num("DAYS_TERMINATION", "Days until the expected end of the previous loan",
             sentinel=DAYS_SENTINEL),
        _num("NFLAG_INSURED_ON_APPROVAL", "Asked for insurance on the previous loan", 0, 1),
    ), primary_key="SK_ID_PREV", parent_key="SK_ID_CURR")

_POS_CASH_BALANCE = Table(
    "POS_CASH_balance", "Monthly snapshots of earlier point-of-sale and cash loans", (
        _key("SK_ID_PREV", "Previous application identifier", references="previous_application"),
        _key("SK_ID_CURR", "Loan application identifier", references=_CURRENT),
        _int("MONTHS_BALANCE", "Month relative to the application (-1 = latest)", -1200, 0),
        _num("CNT_INSTALMENT", "Term of the previous loan in months", 0),
        _num("CNT_INSTALMENT_FUTURE", "Instalments left to pay", 0),
        _cat("NAME_CONTRACT_STATUS", "Contract status that month", (
            "Active", "Completed", "Signed", "Demand", "Returned to the store", "Approved",
            "Amortized debt", "Canceled", "XNA")),
        _int("SK_DPD", "Days past due that month", 0),
        _int("SK_DPD_DEF", "Days past due that month, small debts ignored", 0),
    ), primary_key=None, parent_key="SK_ID_PREV")

_INSTALLMENTS_PAYMENTS = Table(
    "installments_payments", "Instalments due and paid on earlier Home Credit loans", (
        _key("SK_ID_PREV", "Previous application identifier", references="previous_application"),
        _key("SK_ID_CURR", "Loan application identifier", references=_CURRENT),
        _num("NUM_INSTALMENT_VERSION", "Version of the instalment calendar (0 = credit card)", 0),
        _int("NUM_INSTALMENT_NUMBER", "Instalment number", 1),
        _num("DAYS_INSTALMENT", "Day the instalment was due (relative to the application)",
             -40000, 0),
        _num("DAYS_ENTRY_PAYMENT", "Day the instalment was paid (relative to the application)",
             -40000, 0),
        _num("AMT_INSTALMENT", "Amount due on the instalment", 0),
        _num("AMT_PAYMENT", "Amount paid on the instalment", 0),
    ), primary_key=None, parent_key="SK_ID_PREV")

_CREDIT_CARD_BALANCE = Table(
    "credit_card_balance", "Monthly snapshots of earlier Home Credit credit cards", (
        _key("SK_ID_PREV", "Previous application identifier", references="previous_application"),
        _key("SK_ID_CURR", "Loan application identifier", references=_CURRENT),
        _int("MONTHS_BALANCE", "Month relative to the application (-1 = latest)", -1200, 0),
        _num("AMT_BALANCE", "Card balance that month"),
        _int("AMT_CREDIT_LIMIT_ACTUAL", "Card limit that month", 0),
        _num("AMT_DRAWINGS_ATM_CURRENT", "Cash withdrawn at ATMs that month"),
        _num("AMT_DRAWINGS_CURRENT", "Amount drawn that month"),
        _num("AMT_DRAWINGS_OTHER_CURRENT", "Other drawings that month"),
        _num("AMT_DRAWINGS_POS_CURRENT", "Purchases that month"),
        _num("AMT_INST_MIN_REGULARITY", "Minimum instalment that month"),
        _num("AMT_PAYMENT_CURRENT", "Amount paid that month"),
        _num("AMT_PAYMENT_TOTAL_CURRENT", "Total amount paid that month"),
        _num("AMT_RECEIVABLE_PRINCIPAL", "Principal receivable"),
        _num("AMT_RECIVABLE", "Amount receivable"),
        _num("AMT_TOTAL_RECEIVABLE", "Total amount receivable"),
        _num("CNT_DRAWINGS_ATM_CURRENT", "ATM withdrawals that month", 0),
        _int("CNT_DRAWINGS_CURRENT", "Drawings that month", 0),
        _num("CNT_DRAWINGS_OTHER_CURRENT", "Other drawings that month", 0),
        _num("CNT_DRAWINGS_POS_CURRENT", "Purchases that month", 0),
        _num("CNT_INSTALMENT_MATURE_CUM", "Instalments paid so far", 0),
        _cat("NAME_CONTRACT_STATUS", "Card contract status that month", (
            "Active", "Completed", "Signed", "Demand", "Sent proposal", "Refused", "Approved")),
        _int("SK_DPD", "Days past due that month", 0),
        _int("SK_DPD_DEF", "Days past due that month, small debts ignored", 0),
    ), primary_key=None, parent_key="SK_ID_PREV")

#: Every Kaggle file, by file stem, in the order the competition lists them.
TABLES: dict[str, Table] = {
    t.name: t for t in (
        _APPLICATION_TRAIN, _APPLICATION_TEST, _BUREAU, _BUREAU_BALANCE, _PREVIOUS_APPLICATION,
        _POS_CASH_BALANCE, _INSTALLMENTS_PAYMENTS, _CREDIT_CARD_BALANCE,
    )
}

#: The six history tables, in an order where each table comes after the one it points to.
HISTORY_TABLES: tuple[str, ...] = (
    "bureau", "bureau_balance", "previous_application", "POS_CASH_balance",
    "installments_payments", "credit_card_balance",
)


def table(name: str) -> Table:
    """Return the schema of the raw table called `name` (a Kaggle file stem).

    Raises
    ------
    KeyError
        If `name` is not one of the eight Kaggle files; the message lists them.
    """
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; expected one of {', '.join(TABLES)}") from None
