"""API pagination: pages of 50, and a count capped like the pages' (see CappedPaginator)."""

from rest_framework.pagination import PageNumberPagination

from frontline.core.views import CappedPaginator


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = CappedPaginator
