from django.urls import include, path

from zhifa.api import api
from zhifa.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.login_view, name="login"),
    path("logout/", core_views.logout_view, name="logout"),
    path("audit/", core_views.audit_list, name="audit_list"),
    path("audit/<int:seq>/", core_views.audit_detail, name="audit_detail"),
    path("healthz", core_views.healthz, name="healthz"),
    path("registry/", include("zhifa.registry.urls")),
    path("accounts/", include("zhifa.accounts.urls")),
    path("laws/", include("zhifa.laws.urls")),
    path("powers/", include("zhifa.powers.urls")),
    path("exchange/", include("zhifa.exchange.urls")),
    path("gongshi/", include("zhifa.disclosure.urls")),
    path("cases/", include("zhifa.cases.urls")),
    path("cockpit/", include("zhifa.cockpit.urls")),
    path("supervision/", include("zhifa.supervision.urls")),
    path("review/", include("zhifa.review.urls")),
    path("evaluation/", include("zhifa.evaluation.urls")),
    path("api/v1/", api.urls),
]
