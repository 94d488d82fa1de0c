"""Who is asking: kube's authenticators (client certificates, static and ServiceAccount tokens, anonymous)."""
