"""Figures the synthetic generator is calibrated on, derived from the real Home Credit samples.

Only aggregates are kept here (category frequencies, missing rates, quantiles, row-count ratios),
never rows. Sources: the first 5,000 rows of application_train, the first 10,000 rows of
previous_application, 20,000 random rows of each balance table and the full-scale row counts of the
Kaggle competition. Quantile tables are given at `synthetic.draws.QUANTILE_LEVELS`.
"""

from __future__ import annotations

# --- full-scale row counts of the Kaggle files (per client = per train + test application) ---------
KAGGLE_TRAIN_CLIENTS = 307_511
KAGGLE_TEST_CLIENTS = 48_744
KAGGLE_ROWS = {
    "bureau": 1_716_428, "bureau_balance": 27_299_925, "previous_application": 1_670_214,
    "POS_CASH_balance": 10_001_358, "installments_payments": 13_605_401,
    "credit_card_balance": 3_840_312,
}
#: Share of clients with at least one row: bureau 86%, previous applications 95%.
BUREAU_COVERAGE = 0.86
PREVIOUS_COVERAGE = 0.95
#: Share of bureau credits that have monthly bureau_balance rows.
BUREAU_BALANCE_COVERAGE = 0.40

# --- application_train ------------------------------------------------------------------------------
CONTRACT_TYPE = {"Cash loans": 0.903, "Revolving loans": 0.097}
GENDER = {"F": 0.6602, "M": 0.3398, "XNA": 0.00002}
OWN_CAR = 0.3384
OWN_REALTY = 0.70
SUITE = {"Unaccompanied": 0.8112, "Family": 0.1325, "Spouse, partner": 0.0365, "Children": 0.0098,
         "Other_B": 0.0062, "Other_A": 0.0024, "Group of people": 0.0012}
SUITE_MISSING = 0.004
#: Income types of people of working age (pensioners are drawn from age, see PENSIONER_BY_AGE).
WORKING_INCOME_TYPE = {"Working": 0.636, "Commercial associate": 0.2865, "State servant": 0.0769,
                       "Unemployed": 0.0002, "Student": 0.0001, "Businessman": 0.00003,
                       "Maternity leave": 0.00003}
#: Share of pensioners by age band (20-24, 25-29, ..., 65-69).
PENSIONER_BY_AGE = (0.005, 0.002, 0.003, 0.009, 0.019, 0.038, 0.116, 0.595, 0.823, 0.95)
EDUCATION = {"Secondary / secondary special": 0.715, "Higher education": 0.24, "Incomplete higher": 0.0326,
             "Lower secondary": 0.0114, "Academic degree": 0.001}
FAMILY_STATUS = {"Married": 0.637, "Single / not married": 0.147, "Civil marriage": 0.0934,
                 "Separated": 0.0642, "Widow": 0.0584, "Unknown": 0.00001}
HOUSING = {"House / apartment": 0.887, "With parents": 0.0454, "Municipal apartment": 0.0384,
           "Rented apartment": 0.017, "Office apartment": 0.0078, "Co-op apartment": 0.0044}
OCCUPATION = {"Laborers": 0.2492, "Sales staff": 0.1592, "Core staff": 0.1357, "Drivers": 0.092,
              "Managers": 0.0903, "High skill tech staff": 0.0541, "Accountants": 0.0483,
              "Medicine staff": 0.0423, "Security staff": 0.0318, "Cooking staff": 0.0289,
              "Cleaning staff": 0.0191, "Private service staff": 0.013, "Low-skill Laborers": 0.0127,
              "Secretaries": 0.0084, "Waiters/barmen staff": 0.0055, "Realty agents": 0.0041,
              "HR staff": 0.0035, "IT staff": 0.0017}
#: Share of employed applicants without an occupation.
OCCUPATION_MISSING_EMPLOYED = 0.155
WEEKDAY = {"MONDAY": 0.1648, "TUESDAY": 0.1748, "WEDNESDAY": 0.1666, "THURSDAY": 0.1666, "FRIDAY": 0.1628,
           "SATURDAY": 0.1104, "SUNDAY": 0.054}
HOUR = {1: .0004, 2: .0016, 3: .0042, 4: .005, 5: .0116, 6: .018, 7: .0298, 8: .049, 9: .0872, 10: .1216,
        11: .1268, 12: .1122, 13: .097, 14: .0928, 15: .0832, 16: .0676, 17: .047, 18: .0292, 19: .0102,
        20: .0034, 21: .0012, 22: .001}
#: Employers of employed applicants (XNA is reserved for people without an employer).
ORGANIZATION = {
    "Business Entity Type 3": 0.2232, "Self-employed": 0.1318, "Other": 0.057, "Medicine": 0.0364,
    "Government": 0.034, "Business Entity Type 2": 0.0308, "School": 0.0256, "Kindergarten": 0.0222,
    "Trade: type 7": 0.0214, "Construction": 0.019, "Transport: type 4": 0.017,
    "Business Entity Type 1": 0.0158, "Housing": 0.0118, "Industry: type 3": 0.0116,
    "Trade: type 3": 0.0114, "Industry: type 11": 0.0106, "Industry: type 9": 0.0104,
    "Transport: type 2": 0.0096, "Security": 0.0088, "Services": 0.0082, "Bank": 0.008, "Military": 0.0074,
    "Agriculture": 0.0074, "Postal": 0.0072, "Security Ministries": 0.0064, "Police": 0.0064,
    "Trade: type 2": 0.0056, "Transport: type 3": 0.0046, "Restaurant": 0.0046, "University": 0.004,
    "Industry: type 1": 0.0038, "Hotel": 0.0036, "Industry: type 7": 0.0036, "Electricity": 0.0028,
    "Emergency": 0.0026, "Trade: type 6": 0.0024, "Insurance": 0.0022, "Industry: type 12": 0.0022,
    "Industry: type 4": 0.0018, "Industry: type 5": 0.0018, "Industry: type 2": 0.0016, "Mobile": 0.0014,
    "Advertising": 0.0014, "Telecom": 0.0014, "Legal Services": 0.0012, "Trade: type 1": 0.001,
    "Industry: type 10": 0.001, "Culture": 0.0008, "Industry: type 13": 0.0008, "Realtor": 0.0008,
    "Transport: type 1": 0.0006, "Trade: type 5": 0.0006, "Cleaning": 0.0006, "Religion": 0.0004,
    "Trade: type 4": 0.0002, "Industry: type 8": 0.0002, "Industry: type 6": 0.0002,
}
CHILDREN = {0: 0.7038, 1: 0.2036, 2: 0.0778, 3: 0.013, 4: 0.0014, 5: 0.0002, 6: 0.0001, 7: 0.0001}
#: Regions: (REGION_POPULATION_RELATIVE, relative frequency, REGION_RATING_CLIENT), the most common
#: regions of the sample.
REGIONS = (
    (0.035792, 237, 2), (0.04622, 216, 1), (0.025164, 203, 2), (0.028663, 197, 2), (0.026392, 191, 2),
    (0.030755, 189, 2), (0.031329, 157, 2), (0.072508, 156, 1), (0.019101, 140, 2), (0.01885, 130, 2),
    (0.020246, 123, 3), (0.020713, 123, 3), (0.02461, 120, 2), (0.032561, 117, 1), (0.018634, 113, 2),
    (0.018029, 112, 3), (0.015221, 111, 2), (0.019689, 108, 2), (0.018801, 103, 2), (0.022625, 101, 2),
    (0.01452, 97, 2), (0.018209, 92, 3), (0.016612, 82, 2), (0.010006, 69, 2), (0.00702, 64, 2),
    (0.00496, 56, 2), (0.010966, 55, 2), (0.010032, 55, 2), (0.0228, 54, 2), (0.010147, 52, 2),
    (0.00733, 51, 2), (0.011657, 47, 1), (0.009175, 46, 2), (0.0105, 46, 3), (0.009334, 45, 2),
    (0.010643, 44, 2), (0.010276, 44, 2), (0.009657, 43, 2), (0.014464, 42, 2), (0.00712, 42, 2),
    (0.011703, 40, 2), (0.00963, 39, 2), (0.00823, 39, 2), (0.008019, 39, 2), (0.006629, 38, 2),
    (0.006008, 35, 2), (0.006852, 34, 3), (0.008625, 34, 2), (0.010556, 34, 3), (0.006305, 33, 3),
    (0.008575, 32, 2), (0.006207, 31, 2), (0.003069, 31, 3), (0.007274, 30, 2), (0.007305, 28, 3),
    (0.009549, 27, 2), (0.007114, 26, 2), (0.003818, 25, 2), (0.003813, 24, 2), (0.008474, 24, 2),
    (0.008068, 23, 3), (0.006671, 22, 2), (0.005002, 21, 3), (0.008866, 21, 2), (0.002506, 20, 2),
    (0.002042, 20, 3), (0.003122, 20, 3), (0.005084, 19, 2), (0.006233, 18, 2), (0.006296, 16, 3),
)
#: Share of clients whose city rating differs from the region rating (mostly one step better).
CITY_RATING_DIFFERS = 0.02
FLAG_RATES = {
    "FLAG_MOBIL": 1.0, "FLAG_WORK_PHONE": 0.1998, "FLAG_CONT_MOBILE": 0.998, "FLAG_PHONE": 0.2798,
    "FLAG_EMAIL": 0.0556, "REG_REGION_NOT_LIVE_REGION": 0.019, "REG_REGION_NOT_WORK_REGION": 0.0504,
    "LIVE_REGION_NOT_WORK_REGION": 0.0378, "REG_CITY_NOT_LIVE_CITY": 0.0856,
    "REG_CITY_NOT_WORK_CITY": 0.2376, "LIVE_CITY_NOT_WORK_CITY": 0.1774,
    "FLAG_DOCUMENT_2": 0.00004, "FLAG_DOCUMENT_3": 0.709, "FLAG_DOCUMENT_4": 0.00008,
    "FLAG_DOCUMENT_5": 0.0156, "FLAG_DOCUMENT_6": 0.0844, "FLAG_DOCUMENT_7": 0.0002,
    "FLAG_DOCUMENT_8": 0.0824, "FLAG_DOCUMENT_9": 0.004, "FLAG_DOCUMENT_10": 0.00002,
    "FLAG_DOCUMENT_11": 0.004, "FLAG_DOCUMENT_12": 0.00001, "FLAG_DOCUMENT_13": 0.002,
    "FLAG_DOCUMENT_14": 0.0022, "FLAG_DOCUMENT_15": 0.0008, "FLAG_DOCUMENT_16": 0.0094,
    "FLAG_DOCUMENT_17": 0.0002, "FLAG_DOCUMENT_18": 0.0062, "FLAG_DOCUMENT_19": 0.0004,
    "FLAG_DOCUMENT_20": 0.0006, "FLAG_DOCUMENT_21": 0.0004,
}
AGE_DAYS = (-25160, -24490, -23710, -23090, -22150, -21240, -20340, -19570, -18780, -18000, -17200, -16490,
            -15810, -15120, -14500, -13880, -13230, -12450, -11790, -11040, -10240, -9361, -8656, -8220,
            -7705)
#: Days employed of employed applicants (positive here; the file holds minus these).
EMPLOYED_DAYS = (17, 112, 153, 207, 328, 453, 590, 751, 903, 1065, 1249, 1432, 1658, 1890, 2147, 2445, 2809,
                 3163, 3696, 4402, 5360, 7360, 8957, 10940, 15630)
REGISTRATION_DAYS = (-20980, -13800, -12750, -11510, -9980, -8967, -8168, -7481, -6763, -6104, -5513, -4957,
                     -4544, -4077, -3523, -3025, -2516, -2003, -1461, -1041, -687.8, -318.9, -154.9, -60.97,
                     0)
ID_PUBLISH_DAYS = (-6228, -5508, -5164, -4955, -4729, -4574, -4431, -4302, -4186, -4045, -3875, -3524, -3200,
                   -2875, -2561, -2290, -1960, -1667, -1341, -1046, -719, -347.9, -159, -61.98, 0)
CAR_AGE = (0, 0, 1, 1, 2, 3, 3, 4, 6, 7, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18, 21.9, 27, 64, 65, 65)
PHONE_CHANGE_DAYS = (-3882, -3096, -2770, -2504, -2144, -1860, -1705, -1550, -1421, -1241, -1070, -893,
                     -747.5, -643, -549, -454.3, -358, -260, -151, -4, 0, 0, 0, 0, 0)
#: Annual income quantiles; 74% of incomes are multiples of 22,500 and 97% of 4,500.
INCOME = (25650, 47250, 56250, 67500, 81000, 90000, 94500, 112500, 112500, 121500, 135000, 135000, 144000,
          157500, 157500, 180000, 180000, 202500, 225000, 247500, 270000, 337500, 405000, 450200, 1935000)
GOODS_PRICE = (45000, 67500, 90000, 135000, 180000, 210100, 225000, 238500, 270000, 315000, 369000, 450000,
               450000, 463500, 540000, 639000, 675000, 679500, 832500, 900000, 1062000, 1274000, 1418000,
               1800000, 2254000)
#: AMT_CREDIT / AMT_GOODS_PRICE of cash loans only (revolving loans are always 1): 29% without insurance
#: (ratio exactly 1, held up to level 0.30), the rest above.
CREDIT_TO_GOODS = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.079, 1.106, 1.119, 1.132, 1.139, 1.158,
                   1.158, 1.198, 1.198, 1.211, 1.257, 1.317, 1.396, 1.422, 1.475, 1.66)
#: Loan terms (months) of cash loans and their frequencies; the annuity follows from term and rate. The
#: real AMT_CREDIT / AMT_ANNUITY stays below about 40 (99th percentile 37.8): no 60-month loans.
CASH_LOAN_TERMS = {10: 0.03, 12: 0.16, 18: 0.12, 24: 0.2, 30: 0.1, 36: 0.19, 48: 0.20}
#: Correlation between the normal scores of a cash loan's goods price and of its term: bigger loans run
#: longer (real corr(log term, log credit) of cash loans 0.69; this gives 0.75).
TERM_LEANS_ON_SIZE = 0.8
EXT_SOURCE = {
    "EXT_SOURCE_1": (0.02446, 0.08347, 0.118, 0.154, 0.2201, 0.2597, 0.2951, 0.3368, 0.3743, 0.4115, 0.4462,
                     0.4796, 0.5125, 0.5482, 0.5757, 0.607, 0.644, 0.6748, 0.7109, 0.74, 0.7795, 0.8329,
                     0.8616, 0.8849, 0.9294),
    "EXT_SOURCE_2": (0.0002556, 0.0316, 0.07206, 0.1384, 0.2226, 0.2859, 0.3381, 0.3911, 0.437, 0.4807,
                     0.51, 0.5401, 0.5658, 0.5867, 0.6069, 0.6263, 0.6457, 0.6644, 0.6823, 0.7014, 0.7207,
                     0.7473, 0.764, 0.7814, 0.855),
    "EXT_SOURCE_3": (0.0005273, 0.06044, 0.09809, 0.1501, 0.2238, 0.2793, 0.3297, 0.3723, 0.4101, 0.4436,
                     0.4741, 0.5047, 0.5299, 0.5585, 0.5902, 0.6195, 0.6447, 0.6722, 0.6956, 0.7224,
                     0.7512, 0.7899, 0.8133, 0.8348, 0.8825),
}
EXT_SOURCE_MISSING = {"EXT_SOURCE_1": 0.5654, "EXT_SOURCE_2": 0.0032, "EXT_SOURCE_3": 0.195}

# --- how default risk responds to the loan's terms (the hidden default model, in log-odds) ---------
# From a logistic fit of TARGET on the 4,996 rows of the application_train sample with an EXT_SOURCE
# mean and a goods price (386 defaults), adjusted for that mean (the effects do not interact with it).
# Default peaks for cash loans whose term, AMT_CREDIT / AMT_ANNUITY, is about 16 (9-13% between 10 and
# 22) and falls both ways (5.3% at 10 and below, 4.7-4.8% above 26): a tent in log(term). The peak's
# place is not identified (14-20 fit equally well). Where a coefficient below differs from the fit, a
# model refitted on generated data recovered only about 85% of it (the tree-shaped data blur it).
#: The term of the riskiest cash loans, and the terms beyond which the risk stays flat (the real
#: support: 1st percentile 8.4, 99th 37.8).
TERM_RISK_PEAK = 16.0
TERM_RISK_RANGE = (8.0, 40.0)
#: Log-odds per log unit of the term below and above the peak (fit: +1.23 +- 0.46 and -1.38 +- 0.30).
TERM_RISK_BELOW_PEAK = 1.0
TERM_RISK_ABOVE_PEAK = -1.4
#: A cash loan whose credit equals the goods price (no insurance; fit +0.71 +- 0.21), and per log unit
#: of AMT_CREDIT / AMT_GOODS_PRICE above 1, up to the real maximum of about 1.7 (fit +3.64 +- 0.83).
CREDIT_EQUALS_GOODS_RISK = 0.7
CREDIT_OVER_GOODS_RISK = 4.0
CREDIT_OVER_GOODS_MAX = 1.7
#: Per log unit of AMT_CREDIT / AMT_INCOME_TOTAL around its median (fit +0.12 +- 0.11: barely any; kept
#: with the sign a lender expects), within 0.2-20.
CREDIT_TO_INCOME_RISK = 0.1
CREDIT_TO_INCOME_MEDIAN = 3.3
CREDIT_TO_INCOME_RANGE = (0.2, 20.0)
#: A revolving loan, against the average cash loan (fit -0.32 +- 0.30).
REVOLVING_RISK = -0.3
#: Share of clients with any building information; every building column is missing for the others.
BUILDING_PRESENT = 0.525
#: Per building measure: (missing rate among clients with building information, how strongly it
#: follows the building's size factor, quantiles of the _AVG value).
BUILDING = {
    "APARTMENTS": (0.042, 1.0, (0, 0.0021, 0.0082, 0.0093, 0.0186, 0.0309, 0.0454, 0.0588, 0.0629, 0.0722,
                                0.0773, 0.0825, 0.0866, 0.0934, 0.1031, 0.1175, 0.1253, 0.1474, 0.1656,
                                0.2035, 0.2433, 0.3379, 0.4148, 0.5443, 1)),
    "BASEMENTAREA": (0.186, 0.73, (0, 0, 0, 0, 0, 0.01861, 0.03334, 0.0444, 0.05262, 0.05859, 0.06376,
                                   0.06956, 0.0756, 0.0805, 0.08628, 0.09492, 0.103, 0.1128, 0.1256, 0.1438,
                                   0.1761, 0.2312, 0.3038, 0.4089, 1)),
    "YEARS_BEGINEXPLUATATION": (0.009, 0.1, (0.9, 0.9508, 0.9593, 0.9692, 0.9727, 0.9742, 0.9757, 0.9767,
                                             0.9776, 0.9786, 0.9801, 0.9806, 0.9816, 0.9826, 0.9836,
                                             0.9846, 0.9856, 0.9866, 0.9876, 0.9891, 0.9911, 0.9955,
                                             0.9975, 0.9985, 0.9995)),
    "YEARS_BUILD": (0.335, 0.36, (0.2, 0.3404, 0.49, 0.592, 0.6328, 0.6532, 0.6668, 0.6872, 0.7008, 0.7144,
                                  0.728, 0.7416, 0.7552, 0.7688, 0.7824, 0.796, 0.8096, 0.8164, 0.83, 0.8504,
                                  0.8776, 0.9456, 0.9728, 0.9864, 1)),
    "COMMONAREA": (0.402, 0.57, (0, 0, 0, 0, 0, 0.0022, 0.0045, 0.0071, 0.0086, 0.01048, 0.0128, 0.0152,
                                 0.0187, 0.02294, 0.0277, 0.0329, 0.0405, 0.0491, 0.05998, 0.07458, 0.1086,
                                 0.1673, 0.2628, 0.3774, 1)),
    "ELEVATORS": (0.086, 0.84, (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.04, 0.08, 0.12, 0.16, 0.2,
                                0.24, 0.36, 0.48, 0.64, 1)),
    "ENTRANCES": (0.029, 0.61, (0, 0.0345, 0.0345, 0.0345, 0.0473, 0.069, 0.069, 0.069, 0.1034, 0.1034,
                                0.1034, 0.1379, 0.1379, 0.1379, 0.1379, 0.1607, 0.1724, 0.2069, 0.2069,
                                0.2076, 0.2759, 0.3276, 0.4138, 0.5358, 1)),
    "FLOORSMAX": (0.018, 0.63, (0, 0, 0.0417, 0.0417, 0.0417, 0.0833, 0.125, 0.1667, 0.1667, 0.1667, 0.1667,
                                0.1667, 0.1667, 0.1667, 0.1667, 0.2358, 0.3333, 0.3333, 0.3333, 0.3333, 0.375,
                                0.5417, 0.625, 0.6667, 1)),
    "FLOORSMIN": (0.367, 0.47, (0, 0, 0.0417, 0.0417, 0.0417, 0.0417, 0.0833, 0.125, 0.1667, 0.2083, 0.2083,
                                0.2083, 0.2083, 0.2083, 0.2083, 0.2083, 0.3333, 0.375, 0.375, 0.375, 0.4167,
                                0.5169, 0.6667, 0.7083, 1)),
    "LANDAREA": (0.2, 0.47, (0, 0, 0, 0, 0, 0.007185, 0.0138, 0.0187, 0.02354, 0.0298, 0.0361, 0.04136,
                             0.0477, 0.05365, 0.0603, 0.06827, 0.07763, 0.08833, 0.1007, 0.1158, 0.145,
                             0.2012, 0.276, 0.3996, 1)),
    "LIVINGAPARTMENTS": (0.377, 0.98, (0, 0.001964, 0.0067, 0.0101, 0.0202, 0.0303, 0.04394, 0.0504, 0.0555,
                                       0.05929, 0.0656, 0.0672, 0.0748, 0.0815, 0.0883, 0.0975, 0.1035,
                                       0.1202, 0.1365, 0.1723, 0.2116, 0.2965, 0.3589, 0.4528, 0.8338)),
    "LIVINGAREA": (0.033, 0.92, (0, 0.002537, 0.005243, 0.0085, 0.0151, 0.02655, 0.0391, 0.0476, 0.05282,
                                 0.0588, 0.0637, 0.0681, 0.0747, 0.08294, 0.08902, 0.0976, 0.1117, 0.1275,
                                 0.1527, 0.193, 0.2405, 0.3287, 0.4273, 0.5898, 1)),
    "NONLIVINGAPARTMENTS": (0.397, 0.27, (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0019, 0.0039, 0.0039,
                                          0.0039, 0.0077, 0.0116, 0.0154, 0.0309, 0.0579, 0.1204, 1)),
    "NONLIVINGAREA": (0.115, 0.35, (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0018, 0.0038, 0.0057, 0.0085, 0.0132,
                                    0.01894, 0.02675, 0.03716, 0.0534, 0.08154, 0.1258, 0.1932, 0.3133, 1)),
}
#: Building categories: (missing rate among clients with building information, level frequencies).
FONDKAPREMONT = (0.37, {"reg oper account": 0.7671, "reg oper spec account": 0.1207,
                        "org spec account": 0.0588, "not specified": 0.0534})
HOUSETYPE = (0.028, {"block of flats": 0.9832, "terraced house": 0.0086, "specific housing": 0.0082})
WALLSMATERIAL = (0.041, {"Panel": 0.4382, "Stone, brick": 0.4199, "Block": 0.0707, "Wooden": 0.0342,
                         "Mixed": 0.0163, "Monolithic": 0.0111, "Others": 0.0095})
EMERGENCYSTATE = (0.0, {"No": 0.9854, "Yes": 0.0146})
SOCIAL_CIRCLE_MISSING = 0.0046
OBS_SOCIAL_CIRCLE = {0: 0.5417, 1: 0.1535, 2: 0.0924, 3: 0.0671, 4: 0.0492, 5: 0.0321, 6: 0.0247, 7: 0.0123,
                     8: 0.0078, 9: 0.0078, 10: 0.0042, 11: 0.003, 12: 0.0014, 13: 0.001, 14: 0.0008,
                     15: 0.0002, 16: 0.0002, 22: 0.0004}
BUREAU_REQUESTS_MISSING = 0.135
BUREAU_REQUESTS = {
    "HOUR": {0: 0.9914, 1: 0.0083, 2: 0.0003},
    "DAY": {0: 0.9938, 1: 0.0053, 2: 0.0002, 3: 0.0002, 4: 0.0005},
    "WEEK": {0: 0.966, 1: 0.0331, 2: 0.0002, 3: 0.0007},
    "MON": {0: 0.8388, 1: 0.1225, 2: 0.0176, 3: 0.0083, 4: 0.0046, 5: 0.0021, 6: 0.0007, 7: 0.0012, 8: 0.0014,
            9: 0.0009, 11: 0.0009, 12: 0.0002, 14: 0.0002, 16: 0.0005},
    "QRT": {0: 0.7984, 1: 0.1406, 2: 0.0504, 3: 0.0079, 4: 0.0023, 5: 0.0002, 8: 0.0002},
    "YEAR": {0: 0.2684, 1: 0.2458, 2: 0.1857, 3: 0.1297, 4: 0.0775, 5: 0.0435, 6: 0.022, 7: 0.0155, 8: 0.0079,
             9: 0.0035, 10: 0.0002, 11: 0.0005},
}
