"""Danish: "1. juni 2019", short "1. jun. 2019" (Danish abbreviations: jan., maj, juni, sept.)."""

DATE_FORMAT = "j. F Y"
SHORT_DATE_FORMAT = "j. N Y"
DATETIME_FORMAT = "j. F Y H:i"
SHORT_DATETIME_FORMAT = "j. N Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j. F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1
# What a typed date may look like (ISO, as the date picker sends it, is always accepted too).
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d-%m-%Y", "%d.%m.%y"]
