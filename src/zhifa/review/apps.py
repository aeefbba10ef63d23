from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "zhifa.review"
    label = "review"
    verbose_name = "案卷评查"
