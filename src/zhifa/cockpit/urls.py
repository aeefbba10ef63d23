from django.urls import path

from zhifa.cockpit import views

app_name = "cockpit"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("agencies/<str:code>/", views.agency_page, name="agency"),
    path("powers/<str:code>/", views.power_page, name="power"),
    path("records/<str:family>/<str:source_system>/<str:source_id>/", views.record_page, name="record"),
    path("alignment/", views.alignment, name="alignment"),
    path("bulletin/", views.bulletin, name="bulletin"),
]
