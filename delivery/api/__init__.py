"""The delivery API under /api/v1/ (routes in shop/api_urls.py), one module per job:

- `resident`: tracking an order, rating a completed one;
- `courier`: the courier's position, jobs and each step of a job;
- `handover`: handing a pickup over at the shop's counter or the community station;
- `provider`: home-service providers' bookings;
- `shapes`: the serializers, bodies and examples they share.

Reads go through delivery.selectors; every action calls the dispatch or handover core.
"""
