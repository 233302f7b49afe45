"""The v1 REST facade: the old ``/v1/services/...`` paths over AlaudaService resources.

It runs in its own process (``python -m alauda_operator.facade``) and only
translates HTTP to custom resources and back; every Kubernetes call is made
with the caller's own token, so the cluster's RBAC decides what a user may do.
"""
