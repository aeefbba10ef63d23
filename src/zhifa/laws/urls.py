from django.urls import path

from zhifa.laws import views

app_name = "laws"
urlpatterns = [
    path("", views.law_list, name="law_list"),
    path("search/", views.search, name="search"),
    path("resolve/", views.resolve, name="resolve"),
    path("<int:pk>/", views.law_detail, name="law_detail"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
]
