from django.urls import path

from zhifa.review import views

app_name = "review"
urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/steps/<str:name>/", views.round_step, name="step"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/items/<str:code>/", views.score_item, name="score"),
]
