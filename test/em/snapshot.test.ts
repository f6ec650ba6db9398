import { describe, expect, it } from 'vitest';
import { paramsFromSnapshot, paramsToJson } from '../../src/em/snapshot.js';
import { mixtureOfType } from '../helpers/fixtures.js';

describe('snapshot parameters', () => {
  it('paramsToJson nests weights, means (k×d) and full covariances (k×d×d); paramsFromSnapshot inverts it exactly', () => {
    const params = mixtureOfType(3, 2, 'diag', 1700);
    const json = paramsToJson(params);
    expect(json.weights).toEqual(Array.from(params.weights));
    expect(json.means).toEqual([0, 1, 2].map((c) => [params.means[c * 2], params.means[c * 2 + 1]]));
    expect(json.covariances[1]).toEqual([
      [params.covariances[4], params.covariances[5]],
      [params.covariances[6], params.covariances[7]],
    ]);
    const back = paramsFromSnapshot({ k: 3, dim: 2, covarianceType: 'diag', ...JSON.parse(JSON.stringify(json)) });
    expect(back).toEqual(params);
  });
});
