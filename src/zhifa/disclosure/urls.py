from django.urls import path

from zhifa.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("withdrawn/", views.public_withdrawals, name="public_withdrawals"),
    path("<int:pk>/", views.public_detail, name="public_detail"),
]
