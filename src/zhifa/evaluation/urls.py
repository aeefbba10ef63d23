from django.urls import path

from zhifa.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/agencies/<str:code>/", views.agency, name="agency"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
]
