from django.urls import path

from zhifa.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.center, name="center"),
    path("inbox/", views.inbox, name="inbox"),
    path("clues/<int:clue_id>/open/", views.open_clue, name="open_clue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/steps/<str:name>/", views.step, name="step"),
]
