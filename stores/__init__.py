"""Where conversations and their locks are kept; both configured from the environment."""
