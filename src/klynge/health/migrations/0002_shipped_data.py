"""What ships with health clusters: the 98 municipalities (kommunekode, region) and the chart of
accounts in use (function 4.62.88 and the kinds for payments to and from municipalities and regions;
users add and correct codes in the admin)."""

from django.db import migrations

MUNICIPALITIES = [
    # (kommunekode, name, region code)
    ("101", "København", "1084"),
    ("147", "Frederiksberg", "1084"),
    ("151", "Ballerup", "1084"),
    ("153", "Brøndby", "1084"),
    ("155", "Dragør", "1084"),
    ("157", "Gentofte", "1084"),
    ("159", "Gladsaxe", "1084"),
    ("161", "Glostrup", "1084"),
    ("163", "Herlev", "1084"),
    ("165", "Albertslund", "1084"),
    ("167", "Hvidovre", "1084"),
    ("169", "Høje-Taastrup", "1084"),
    ("173", "Lyngby-Taarbæk", "1084"),
    ("175", "Rødovre", "1084"),
    ("183", "Ishøj", "1084"),
    ("185", "Tårnby", "1084"),
    ("187", "Vallensbæk", "1084"),
    ("190", "Furesø", "1084"),
    ("201", "Allerød", "1084"),
    ("210", "Fredensborg", "1084"),
    ("217", "Helsingør", "1084"),
    ("219", "Hillerød", "1084"),
    ("223", "Hørsholm", "1084"),
    ("230", "Rudersdal", "1084"),
    ("240", "Egedal", "1084"),
    ("250", "Frederikssund", "1084"),
    ("260", "Halsnæs", "1084"),
    ("270", "Gribskov", "1084"),
    ("400", "Bornholm", "1084"),
    ("253", "Greve", "1085"),
    ("259", "Køge", "1085"),
    ("265", "Roskilde", "1085"),
    ("269", "Solrød", "1085"),
    ("306", "Odsherred", "1085"),
    ("316", "Holbæk", "1085"),
    ("320", "Faxe", "1085"),
    ("326", "Kalundborg", "1085"),
    ("329", "Ringsted", "1085"),
    ("330", "Slagelse", "1085"),
    ("336", "Stevns", "1085"),
    ("340", "Sorø", "1085"),
    ("350", "Lejre", "1085"),
    ("360", "Lolland", "1085"),
    ("370", "Næstved", "1085"),
    ("376", "Guldborgsund", "1085"),
    ("390", "Vordingborg", "1085"),
    ("410", "Middelfart", "1083"),
    ("420", "Assens", "1083"),
    ("430", "Faaborg-Midtfyn", "1083"),
    ("440", "Kerteminde", "1083"),
    ("450", "Nyborg", "1083"),
    ("461", "Odense", "1083"),
    ("479", "Svendborg", "1083"),
    ("480", "Nordfyns", "1083"),
    ("482", "Langeland", "1083"),
    ("492", "Ærø", "1083"),
    ("510", "Haderslev", "1083"),
    ("530", "Billund", "1083"),
    ("540", "Sønderborg", "1083"),
    ("550", "Tønder", "1083"),
    ("561", "Esbjerg", "1083"),
    ("563", "Fanø", "1083"),
    ("573", "Varde", "1083"),
    ("575", "Vejen", "1083"),
    ("580", "Aabenraa", "1083"),
    ("607", "Fredericia", "1083"),
    ("621", "Kolding", "1083"),
    ("630", "Vejle", "1083"),
    ("615", "Horsens", "1082"),
    ("657", "Herning", "1082"),
    ("661", "Holstebro", "1082"),
    ("665", "Lemvig", "1082"),
    ("671", "Struer", "1082"),
    ("706", "Syddjurs", "1082"),
    ("707", "Norddjurs", "1082"),
    ("710", "Favrskov", "1082"),
    ("727", "Odder", "1082"),
    ("730", "Randers", "1082"),
    ("740", "Silkeborg", "1082"),
    ("741", "Samsø", "1082"),
    ("746", "Skanderborg", "1082"),
    ("751", "Aarhus", "1082"),
    ("756", "Ikast-Brande", "1082"),
    ("760", "Ringkøbing-Skjern", "1082"),
    ("766", "Hedensted", "1082"),
    ("779", "Skive", "1082"),
    ("791", "Viborg", "1082"),
    ("773", "Morsø", "1081"),
    ("787", "Thisted", "1081"),
    ("810", "Brønderslev", "1081"),
    ("813", "Frederikshavn", "1081"),
    ("820", "Vesthimmerlands", "1081"),
    ("825", "Læsø", "1081"),
    ("840", "Rebild", "1081"),
    ("846", "Mariagerfjord", "1081"),
    ("849", "Jammerbugt", "1081"),
    ("851", "Aalborg", "1081"),
    ("860", "Hjørring", "1081"),
]

FUNCTIONS = [("4.62.88", "Sundhedsfremme og forebyggelse")]

KINDS = [
    ("4.0", "Tjenesteydelser uden moms"),
    ("4.7", "Betalinger til kommuner"),
    ("4.8", "Betalinger til regioner"),
    ("7.7", "Betalinger fra kommuner"),
    ("7.8", "Betalinger fra regioner"),
]


def forwards(apps, schema_editor):
    Region = apps.get_model("registry", "Region")
    Municipality = apps.get_model("health", "Municipality")
    Function = apps.get_model("health", "ChartFunction")
    Kind = apps.get_model("health", "ChartKind")
    regions = {r.code: r for r in Region.objects.all()}
    for code, name, region in MUNICIPALITIES:
        Municipality.objects.get_or_create(code=code, defaults={"name": name, "region": regions[region]})
    for code, name in FUNCTIONS:
        Function.objects.get_or_create(code=code, defaults={"name": name})
    for code, name in KINDS:
        Kind.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("health", "0001_initial"), ("registry", "0003_shipped_data")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
