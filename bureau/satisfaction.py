"""Satisfaction: the quarterly survey (overall and per aspect) and the order ratings, as the
share of 4–5 with a 95 % Wilson interval, hidden below BUREAU["min_satisfaction_answers"]."""

from __future__ import annotations

from . import metrics
from .cells import share, wilson

ASPECTS = ("convenience", "price", "quality", "service")


def satisfaction(satisfied: int, answers: int) -> dict:
    shown = answers >= metrics.config()["min_satisfaction_answers"]
    return {"share": share(satisfied, answers) if shown else None, "count": answers,
            "interval": wilson(satisfied, answers) if shown else None, "hidden": not shown}



def satisfaction_figures(agg: dict) -> dict:
    ratings = agg["ratings"]
    n_ratings = sum(ratings.values())
    good = ratings.get("4", 0) + ratings.get("5", 0)
    aspects = {}
    for aspect in ASPECTS:
        scores = agg["survey"].get(aspect, {})
        n = sum(scores.values())
        aspects[aspect] = satisfaction(scores.get("4", 0) + scores.get("5", 0), n)
    return {
        "survey": satisfaction(agg["survey_satisfied"], agg["survey_answers"]),
        "aspects": aspects,
        "ratings": satisfaction(good, n_ratings),
    }
