from django.urls import path

from zhifa.powers import views

app_name = "powers"
urlpatterns = [
    path("", views.power_list, name="power_list"),
    path("new/", views.power_create, name="power_create"),
    path("drafts/", views.drafts, name="drafts"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("checklists/", views.checklist_list, name="checklist_list"),
    path("checklists/new/", views.checklist_edit, name="checklist_create"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/edit/", views.checklist_edit, name="checklist_edit"),
    path("<str:code>/", views.power_detail, name="power_detail"),
    path("<str:code>/edit/", views.power_edit, name="power_edit"),
    path("<str:code>/revoke/", views.power_revoke, name="power_revoke"),
    path("<str:code>/versions/", views.power_versions, name="power_versions"),
    path("<str:code>/benchmark/", views.benchmark_edit, name="benchmark_edit"),
]
