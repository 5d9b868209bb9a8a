import numpy as np
import pytest

from synthetic.draws import from_weights, leaning_normal


def test_from_weights_maps_uniforms_to_values_by_their_cumulative_share():
    u = np.array([0.0, 0.24, 0.25, 0.74, 0.75, 0.999999, 1.0])
    assert from_weights(u, {10: 1, 20: 2, 30: 1}).tolist() == [10, 10, 20, 20, 30, 30, 30]


def test_from_weights_draws_with_the_given_frequencies():
    values = from_weights(np.random.default_rng(0).random(100_000), {12: 0.16, 24: 0.2, 48: 0.64})
    assert np.mean(values == 24) == pytest.approx(0.2, abs=0.005)


@pytest.mark.parametrize("strength", [0.0, 0.5, 0.8])
def test_leaning_normal_has_the_asked_correlation(strength):
    rng = np.random.default_rng(1)
    latent = rng.standard_normal(100_000)
    drawn = leaning_normal(rng, latent, strength, len(latent))
    assert np.corrcoef(latent, drawn)[0, 1] == pytest.approx(strength, abs=0.01)
    assert drawn.std() == pytest.approx(1, abs=0.01)
