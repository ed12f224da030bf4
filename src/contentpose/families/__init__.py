"""Model families behind one registry. A family (families/NAME.py) declares its config sections and
names its objectives, loaded run, evaluation, report section and command-line verbs; everything
that differs by the kind of run is looked up here, never switched on by name elsewhere.

    family_of("mipae").name          -> "autoencoder"
    family_of("vgan").objective      -> the dataclass of a VGAN run's objective: section

A new family: families/NAME.py (its configs and FAMILY), objectives/NAME.py (its objective and
networks), eval/NAME.py (its protocol), and one line in FAMILIES below (docs/architecture.md).
"""

from __future__ import annotations

from contentpose.errors import UserError
from contentpose.families import autoencoder, dsvae, pose_forecast, pose_to_frame, set_gan, vgan
from contentpose.families.family import Family, resolve

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        autoencoder.FAMILY,
        set_gan.FAMILY,
        dsvae.FAMILY,
        vgan.FAMILY,
        pose_forecast.FAMILY,
        pose_to_frame.FAMILY,
    )
}


def objective_names() -> list[str]:
    return [name for family in FAMILIES.values() for name in family.objectives]


def family_of(objective: str) -> Family:
    """The family that trains objective `objective` (drnet, mipae, setgan, ...)."""
    for family in FAMILIES.values():
        if objective in family.objectives:
            return family
    raise UserError(f"unknown objective {objective!r}; objectives: {', '.join(objective_names())}")


__all__ = ["FAMILIES", "Family", "family_of", "objective_names", "resolve"]
