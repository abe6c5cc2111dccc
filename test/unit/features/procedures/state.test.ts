import { describe, expect, it } from 'vitest';
import { procedureChat, procedureState } from '../../../../src/features/procedures/handlers.js';
import type { ConversationState } from '../../../../src/core/types.js';

describe('the procedures slice of the conversation', () => {
  it('moves the keys stored before the slice existed into it', () => {
    const state: ConversationState = {
      flow: 'proc:choose',
      data: { procLast: '1.001193', procCandidates: ['2.000815', '2.000884'], other: 1 },
    };
    expect(procedureChat(state)).toEqual({ last: '1.001193', candidates: ['2.000815', '2.000884'] });
    expect(state.data).toEqual({ procedures: { last: '1.001193', candidates: ['2.000815', '2.000884'] }, other: 1 });
  });

  it('drops a stored slice of the wrong shape and keeps what still makes sense', () => {
    expect(procedureState.read({ data: { procedures: 'garbage' } })).toBeUndefined();
    expect(procedureState.read({ data: { procedures: { last: 7, candidates: ['1.000656'] } } })).toEqual({
      candidates: ['1.000656'],
    });
  });
});
