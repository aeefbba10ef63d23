from django.urls import path

from zhifa.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("<int:pk>/", views.public_detail, name="public_detail"),
]
