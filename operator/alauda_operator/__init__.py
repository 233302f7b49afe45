"""The Alauda v1 services API as a Kubernetes operator."""
