import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { chooseOwner, decodeClaim, encodeClaim, singleOwnerAssigner, SINGLE_OWNER_PROTOCOL, type OwnerClaim } from '../../../src/kafka/ownership/single-owner-assigner.js';

const standby: OwnerClaim = { activeSince: null };

describe('chooseOwner', () => {
  it('keeps the model with the member that holds it, whoever joins', () => {
    expect(chooseOwner([{ memberId: 'a', claim: standby }, { memberId: 'b', claim: { activeSince: 5 } }, { memberId: 'c', claim: standby }])).toBe('b');
  });

  it('gives it to the later of two claimants (the one whose fence came last)', () => {
    expect(chooseOwner([{ memberId: 'a', claim: { activeSince: 9 } }, { memberId: 'b', claim: { activeSince: 5 } }])).toBe('a');
    expect(chooseOwner([{ memberId: 'b', claim: { activeSince: 5 } }, { memberId: 'a', claim: { activeSince: 5 } }])).toBe('a');
  });

  it('with no claim, picks the smallest member id, whatever the order', () => {
    expect(chooseOwner([{ memberId: 'm-2', claim: standby }, { memberId: 'm-1', claim: standby }])).toBe('m-1');
    expect(chooseOwner([])).toBeNull();
  });
});

describe('claims', () => {
  it('round-trip, and garbage or foreign user data stands by', () => {
    expect(decodeClaim(encodeClaim({ activeSince: 1_795_000_000_000 }))).toEqual({ activeSince: 1_795_000_000_000 });
    expect(decodeClaim(encodeClaim(standby))).toEqual(standby);
    for (const junk of [Buffer.from('{"activeSince":"soon"}'), Buffer.from('not json'), Buffer.alloc(0), null, undefined]) expect(decodeClaim(junk)).toEqual(standby);
  });
});

describe('singleOwnerAssigner', () => {
  const cluster = { findTopicPartitionMetadata: (topic: string) => (topic === 'points' ? [2, 0, 3, 1] : [0]).map((partitionId) => ({ partitionId })) };
  const assigner = (claim: OwnerClaim) => singleOwnerAssigner(() => claim)({ cluster, groupId: 'g', logger: undefined } as never);

  it('tells its claim in the join metadata, under its own protocol name', () => {
    const { name, metadata } = assigner({ activeSince: 42 }).protocol({ topics: ['points'] });
    expect(name).toBe(SINGLE_OWNER_PROTOCOL);
    const decoded = AssignerProtocol.MemberMetadata.decode(metadata)!;
    expect(decoded.topics).toEqual(['points']);
    expect(decodeClaim(decoded.userData)).toEqual({ activeSince: 42 });
  });

  it('gives every partition of every topic to the owner and none to the others', async () => {
    const member = (memberId: string, claim: OwnerClaim) => ({ memberId, memberMetadata: assigner(claim).protocol({ topics: ['points', 'other'] }).metadata });
    const result = await assigner(standby).assign({ members: [member('a', standby), member('b', { activeSince: 7 }), member('c', standby)], topics: ['points', 'other'] });
    const decoded = Object.fromEntries(result.map((r) => [r.memberId, AssignerProtocol.MemberAssignment.decode(r.memberAssignment)!.assignment]));
    expect(decoded).toEqual({ a: {}, b: { points: [0, 1, 2, 3], other: [0] }, c: {} });
  });
});
