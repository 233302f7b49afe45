"""The operator: reconciles AlaudaService resources into Deployments or
StatefulSets, Services, Ingresses and HorizontalPodAutoscalers, and reports
what runs in their status. See docs/operator.md."""
