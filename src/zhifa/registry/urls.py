from django.urls import path

from zhifa.core import views

app_name = "registry"
urlpatterns = [
    path("agencies/", views.home, name="agency_list"),
    path("officers/", views.home, name="officer_list"),
    path("certificates/", views.home, name="certificate_list"),
    path("entities/", views.home, name="entity_list"),
    path("regions/", views.home, name="region_list"),
]
