"""Classical baselines that no learned model should lose to unnoticed: cut-and-paste of objects, a global-shift warp."""
