"""Model backends, resolved by name from ``provider:model`` strings (SDKs imported lazily)."""
