"""The account's own pages under /konto/ (#10), beside Django's login, logout and password reset."""

from django.urls import path

from klynge.web.views import account

urlpatterns = [
    path("totrin/", account.two_factor_verify, name="two_factor_verify"),
    path("totrin/tilmeld/", account.two_factor_enrol, name="two_factor_enrol"),
    path("totrin/reservekoder/", account.two_factor_recovery_codes, name="two_factor_recovery_codes"),
    path("totrin/reservekoder/nye/", account.recovery_codes_renew, name="recovery_codes_renew"),
    path("totrin/slaa-fra/", account.two_factor_disable, name="two_factor_disable"),
    path("sikkerhed/", account.account_security, name="account_security"),
    path("spaerringer/", account.login_locks, name="login_locks"),
]
