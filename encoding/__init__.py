"""Wire formats: encoders, content negotiation and cached serializations. Knows nothing about etcd."""
