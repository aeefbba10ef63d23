from django.urls import path

from zhifa.registry import views

app_name = "registry"
urlpatterns = [
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/new/", views.agency_create, name="agency_create"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("agencies/<int:pk>/edit/", views.agency_edit, name="agency_edit"),
    path("officers/", views.officer_list, name="officer_list"),
    path("officers/new/", views.officer_create, name="officer_create"),
    path("officers/<int:pk>/", views.officer_detail, name="officer_detail"),
    path("officers/<int:pk>/edit/", views.officer_edit, name="officer_edit"),
    path("officers/<int:officer_pk>/certificates/new/", views.certificate_issue, name="certificate_issue"),
    path("certificates/", views.certificate_list, name="certificate_list"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/status/", views.certificate_status, name="certificate_status"),
    path("certificates/<int:pk>/renew/", views.certificate_renew, name="certificate_renew"),
    path("entities/", views.entity_list, name="entity_list"),
    path("entities/new/", views.entity_create, name="entity_create"),
    path("entities/<int:pk>/", views.entity_detail, name="entity_detail"),
    path("entities/<int:pk>/edit/", views.entity_edit, name="entity_edit"),
    path("regions/", views.region_list, name="region_list"),
]
