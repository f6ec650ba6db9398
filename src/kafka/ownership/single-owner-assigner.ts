import { AssignerProtocol, type Assigner, type GroupMember, type PartitionAssigner } from 'kafkajs';

/** The group protocol's name: every instance of a model must offer it (an older version's round robin cannot join). */
export const SINGLE_OWNER_PROTOCOL = 'OnlineEmSingleOwner';
const VERSION = 1;

/** What a member says of itself when it joins: whether it holds the model now, and since when. */
export interface OwnerClaim {
  /** When this member's current ownership began (ms since the epoch), or null when it stands by. */
  readonly activeSince: number | null;
}

/**
 * The member that gets every input partition. The one model is one state, so one member
 * fits it and the others stand by. Ownership is sticky: a member that holds the model keeps
 * it through every rebalance (a standby joining or leaving pauses it only for the join).
 * Two claim it only when one was expelled without knowing yet; the later one fenced the
 * earlier through the transactional id, so it is the owner. With no claim (a start, or the
 * owner's departure), the smallest member id: any deterministic choice will do.
 */
export function chooseOwner(members: readonly { readonly memberId: string; readonly claim: OwnerClaim }[]): string | null {
  let owner: { memberId: string; since: number } | null = null;
  for (const m of members) {
    const since = m.claim.activeSince;
    if (since !== null && (!owner || since > owner.since || (since === owner.since && m.memberId < owner.memberId))) owner = { memberId: m.memberId, since };
  }
  if (owner) return owner.memberId;
  const ids = members.map((m) => m.memberId).sort();
  return ids[0] ?? null;
}

export function encodeClaim(claim: OwnerClaim): Buffer {
  return Buffer.from(JSON.stringify(claim));
}

/** A member's claim from its metadata; an unreadable one stands by (it cannot win ownership by garbage). */
export function decodeClaim(userData: Buffer | null | undefined): OwnerClaim {
  try {
    const value: unknown = JSON.parse((userData ?? Buffer.alloc(0)).toString('utf8'));
    const since = (value as { activeSince?: unknown }).activeSince;
    return { activeSince: typeof since === 'number' && Number.isFinite(since) ? since : null };
  } catch {
    return { activeSince: null };
  }
}

/**
 * A kafkajs partition assigner that gives every partition of the subscribed topics to
 * one member (chooseOwner) and none to the rest. `claim` is asked at every join.
 */
export function singleOwnerAssigner(claim: () => OwnerClaim): PartitionAssigner {
  return ({ cluster }): Assigner => ({
    name: SINGLE_OWNER_PROTOCOL,
    version: VERSION,
    async assign({ members, topics }) {
      const owner = chooseOwner(members.map((m: GroupMember) => ({ memberId: m.memberId, claim: decodeClaim(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData) })));
      const everything: Record<string, number[]> = {};
      for (const topic of topics) everything[topic] = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId).sort((a, b) => a - b);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment: m.memberId === owner ? everything : {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name: SINGLE_OWNER_PROTOCOL, metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: encodeClaim(claim()) }) };
    },
  });
}
