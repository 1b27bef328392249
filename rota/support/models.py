"""Support: tickets with SLA due times, and network incidents with the subscriptions they hit."""
