from django.urls import path

from zhifa.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("new/", views.case_create, name="case_create"),
    path("approvals/", views.approvals, name="approvals"),
    path("review/", views.review_queue, name="review_queue"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/steps/<str:name>/", views.case_step, name="case_step"),
]
