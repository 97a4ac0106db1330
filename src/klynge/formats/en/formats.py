"""English (British order, as in Denmark): "1 June 2019", short "1 Jun 2019"; never "06/01/2019".

A typed date is read day first, as on the Danish pages (an English page of a Danish product is read
by the same people): ISO 2019-06-01, 01.06.2019 or 01-06-2019; slashes are not accepted, because
"09/12/2018" means two different days to a British and an American reader."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d-%m-%Y", "%d.%m.%y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"]
