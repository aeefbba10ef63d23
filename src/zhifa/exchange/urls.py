from django.urls import path

from zhifa.exchange import views

app_name = "exchange"
urlpatterns = [
    path("runs/", views.run_list, name="run_list"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/quarantine.csv", views.quarantine_csv, name="quarantine_csv"),
    path("runs/<int:pk>/reprocess/", views.reprocess, name="reprocess"),
]
