import { HOUR, MINUTE, ProcessRun, T0 } from './support';

// REQUIREMENTS 1.5 and W17: tiered ladder, acknowledge and resolve timers that promote without
// interrupting the lower tier, a bypass to tier 3, response times from the history.

const acknowledge = { responseMode: 'on-site', ackNote: '' };
const resolve = (code: string) => ({ resolutionCode: code, resolutionNotes: 'Replaced the jammed guide rail and restarted', linkedRecord: 'MWO-4711', downtimeMinutes: 35 });

async function notify(run: ProcessRun, tier: number) {
  const job = run.job(`NotifyTier${tier}`);
  expect(job).toMatchObject({ connector: 'gemba', operation: 'notify', retries: 3 });
  await run.completeJob(`NotifyTier${tier}`, { notifiedAt: run.now.toISOString(), notificationId: `N-${tier}` });
  return job;
}

describe('Feature: escalation ladder', () => {
  describe('Scenario: nobody responds, the event climbs all four tiers', () => {
    let run: ProcessRun;

    it('Given an andon raised by an operator', async () => {
      run = await ProcessRun.of('escalation');
      await run.start({ eventClass: 'andon', title: 'Line 3 filler jammed', line: 'L3' });
      run.expectTask('Ack1', { name: 'Acknowledge (tier 1)', candidateGroups: ['operator'], formRef: 'esc-acknowledge', meaning: null });
      expect(run.task('Ack1').dueAt).toEqual(new Date(T0.getTime() + 10 * MINUTE));
    });

    it('Then only the tier 1 acknowledgement timer runs, due after the default 10 minutes', () => {
      expect(run.snapshot.timers).toEqual([expect.objectContaining({ activityId: 'AckOverdue1', value: 'PT10M', attachedTo: 'Ack1', interrupting: false, expireAt: new Date(T0.getTime() + 10 * MINUTE) })]);
    });

    it('When tier 1 does not acknowledge in time, Then tier 2 is notified and tier 1 keeps its task', async () => {
      await run.fire('AckOverdue1');
      const job = await notify(run, 2);
      expect(job.input).toEqual({ tier: 2, roles: 'supervisor', subject: 'Line 3 filler jammed', eventClass: 'andon' });
      expect(run.openTasks()).toEqual(['Ack1', 'Ack2']);
      run.expectTask('Ack2', { candidateGroups: ['supervisor'] });
      expect(run.variables).toMatchObject({ currentTier: 2, tier2NotifiedAt: new Date(T0.getTime() + 10 * MINUTE).toISOString() });
    });

    it('When tier 2 does not acknowledge either, Then tier 3 (quality) is notified', async () => {
      await run.fire('AckOverdue2');
      expect((await notify(run, 3)).input).toMatchObject({ tier: 3, roles: 'quality' });
      expect(run.openTasks()).toEqual(['Ack1', 'Ack2', 'Ack3']);
      run.expectTask('Ack3', { candidateGroups: ['quality'] });
    });

    it('When tier 3 acknowledges, Then its acknowledgement timer stops and its 60-minute resolution timer starts', async () => {
      run.advance(4 * MINUTE);
      await run.complete('Ack3', acknowledge);
      // the lower tiers' timers fired once and are gone; their tasks stay open
      expect(run.openTimers()).toEqual(['ResolveOverdue3']);
      expect(run.openTasks()).toEqual(['Ack1', 'Ack2', 'Resolve3']);
      expect(run.timer('ResolveOverdue3')).toMatchObject({ value: 'PT60M', interrupting: false, expireAt: new Date(run.now.getTime() + HOUR) });
      run.expectTask('Resolve3', { name: 'Resolve with reason code (tier 3)', candidateGroups: ['quality'], formRef: 'esc-resolve' });
    });

    it('When tier 3 does not resolve within the hour, Then site leadership (tier 4) is notified', async () => {
      await run.fire('ResolveOverdue3');
      expect((await notify(run, 4)).input).toMatchObject({ tier: 4, roles: 'supervisor,quality' });
      run.expectTask('Ack4', { candidateGroups: ['supervisor', 'quality'] });
      expect(run.variables.currentTier).toBe(4);
    });

    it('When tier 1 finally resolves it, Then the escalation ends and every other tier task is withdrawn', async () => {
      await run.complete('Ack1', acknowledge);
      await run.complete('Resolve1', resolve('equipment-repaired'));
      expect(run.status).toBe('completed');
      // the terminate end withdraws everything: the runtime closes the tasks absent from the snapshot
      expect(run.snapshot.userTasks).toEqual([]);
      expect(run.snapshot.timers).toEqual([]);
      expect(run.snapshot.jobs).toEqual([]);
      expect(run.state).toBeNull();
      expect(run.variables).toMatchObject({ resolutionCode: 'equipment-repaired', currentTier: 4 });
    });

    it('Then the response times can be read from the history: raise, promotions, acknowledgement and resolution', () => {
      expect(run.completedAt('AckOverdue1')).toEqual(new Date(T0.getTime() + 10 * MINUTE));
      expect(run.completedAt('Ack3')!.getTime() - run.completedAt('NotifyTier3')!.getTime()).toBe(4 * MINUTE);
      expect(run.completedAt('Resolve1')).toBeDefined();
      expect(run.completed()).toContain('EndResolved1');
    });
  });

  describe('Scenario: a tier is promoted only once, even when both of its timers fire', () => {
    let run: ProcessRun;

    it('Given tier 1 missed its acknowledgement and tier 2 was notified', async () => {
      run = await ProcessRun.of('escalation');
      await run.start({ eventClass: 'material', title: 'Powder hopper empty' });
      await run.fire('AckOverdue1');
      await notify(run, 2);
    });

    it('When tier 1 then acknowledges and misses its 15-minute resolution time', async () => {
      await run.complete('Ack1', acknowledge);
      expect(run.timer('ResolveOverdue1')).toMatchObject({ value: 'PT15M' });
      await run.fire('ResolveOverdue1');
    });

    it('Then tier 2 is not notified again and has a single acknowledgement task', () => {
      expect(run.openJobs()).toEqual([]);
      expect(run.openTasks()).toEqual(['Ack2', 'Resolve1']);
      expect(run.completed()).toContain('EndAlreadyTier2');
    });

    it('When tier 2 resolves, Then the escalation ends', async () => {
      await run.complete('Ack2', acknowledge);
      await run.complete('Resolve2', resolve('material-replenished'));
      expect(run.status).toBe('completed');
    });
  });

  describe('Scenario: a safety event bypasses tiers 1 and 2', () => {
    it('Given an andon of class safety, Then tier 3 is notified at once and resolves it', async () => {
      // given
      const run = await ProcessRun.of('escalation');
      await run.start({ eventClass: 'safety', title: 'Guard interlock bypassed on press 2' });

      // then
      expect(run.openTasks()).toEqual([]);
      expect(run.job('NotifyTier3').input).toMatchObject({ tier: 3, roles: 'quality', eventClass: 'safety' });
      await notify(run, 3);
      expect(run.openTasks()).toEqual(['Ack3']);
      await run.complete('Ack3', acknowledge);
      await run.complete('Resolve3', resolve('safety-secured'));
      expect(run.status).toBe('completed');
      expect(run.completed()).not.toContain('Ack1');
    });
  });

  describe('Scenario: started by messages', () => {
    it('Given an EquipmentAlarm message without an event class, Then it starts at tier 1 with the configured acknowledgement time', async () => {
      // given
      const run = await ProcessRun.of('escalation');

      // when
      await run.start({ equipmentId: 'cell-1', alarm: 'TemperatureHigh', ackTimeout: 'PT5M' }, { messageName: 'EquipmentAlarm' });

      // then
      expect(run.state?.start).toBe('StartEquipmentAlarm');
      expect(run.openTasks()).toEqual(['Ack1']);
      expect(run.timer('AckOverdue1')).toMatchObject({ value: 'PT5M', expireAt: new Date(T0.getTime() + 5 * MINUTE) });
    });

    it('Given a TaskOverdue message, Then it starts at tier 1 too', async () => {
      const run = await ProcessRun.of('escalation');
      await run.start({ eventClass: 'overdue', title: 'Line clearance overdue' }, { messageName: 'TaskOverdue' });
      expect(run.openTasks()).toEqual(['Ack1']);
    });

    it('Given a NonconformanceEscalation message, Then it goes straight to tier 3 (a quality event)', async () => {
      const run = await ProcessRun.of('escalation');
      await run.start({ ncNumber: 'NC-2030-00042', title: 'Critical NC on lot LOT-WO-1001' }, { messageName: 'NonconformanceEscalation' });
      expect(run.openJobs()).toEqual(['NotifyTier3']);
      expect(run.job('NotifyTier3').input).toMatchObject({ eventClass: 'andon', subject: 'Critical NC on lot LOT-WO-1001' });
    });
  });
});
