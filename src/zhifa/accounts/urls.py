from django.urls import path

from zhifa.core import views

app_name = "accounts"
urlpatterns = [path("users/", views.home, name="user_list")]
