import { bpmn, HOUR, Instance } from './harness';

const messages = bpmn(`
  <message id="Msg_lab" name="LabResultReady" />
  <message id="Msg_hold" name="QualityHold" />
  <message id="Msg_ship" name="Shipped" />
  <process id="p" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="waitLab" />
    <intermediateCatchEvent id="waitLab" name="Lab result" gemba:correlationKey="\${environment.variables.sampleId}">
      <messageEventDefinition messageRef="Msg_lab" />
    </intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="waitLab" targetRef="pack" />
    <userTask id="pack" name="Pack" />
    <boundaryEvent id="hold" attachedToRef="pack"><messageEventDefinition messageRef="Msg_hold" /></boundaryEvent>
    <sequenceFlow id="f3" sourceRef="hold" targetRef="quarantine" />
    <userTask id="quarantine" />
    <sequenceFlow id="f4" sourceRef="pack" targetRef="ship" />
    <receiveTask id="ship" messageRef="Msg_ship" />
    <sequenceFlow id="f5" sourceRef="ship" targetRef="end" />
    <endEvent id="end" />
  </process>`);

describe('Feature: messages correlated by name', () => {
  describe('Scenario: a message catch event, a receive task', () => {
    let instance: Instance;

    it('Given an instance waiting for the lab result', async () => {
      instance = await Instance.of(messages);
      await instance.start({ sampleId: 'S-9' });
    });

    it('Then it subscribes to the message by name, with its correlation key', () => {
      expect(instance.snapshot?.subscriptions).toEqual([
        { kind: 'message', name: 'LabResultReady', executionId: expect.stringMatching(/^waitLab_/), activityId: 'waitLab', correlationKey: 'S-9' },
      ]);
    });

    it('When a message of another name arrives, Then it is not applied', async () => {
      const result = await instance.send({ type: 'message', name: 'Shipped' });
      expect(result.applied).toBe(false);
    });

    it('When the lab result arrives with variables, Then they are set and packing opens', async () => {
      await instance.send({ type: 'message', name: 'LabResultReady', variables: { result: 'pass' } });
      expect(instance.snapshot?.variables).toEqual({ sampleId: 'S-9', result: 'pass' });
      expect(instance.openTasks()).toEqual(['pack']);
      expect(instance.snapshot?.subscriptions).toEqual([
        { kind: 'message', name: 'QualityHold', executionId: expect.any(String), activityId: 'hold', attachedTo: 'pack', interrupting: true },
      ]);
    });

    it('When packing is done, Then the receive task waits for the shipment message', async () => {
      await instance.complete('pack');
      expect(instance.snapshot?.subscriptions).toMatchObject([{ kind: 'message', name: 'Shipped', activityId: 'ship' }]);
      expect(instance.snapshot?.userTasks).toEqual([]);
    });

    it('When it arrives with the subscription execution id, Then the instance completes', async () => {
      const executionId = instance.snapshot!.subscriptions[0].executionId;
      await instance.send({ type: 'message', name: 'Shipped', executionId, variables: { carrier: 'DHL' } });
      expect(instance.last.outcome.status).toBe('completed');
      expect(instance.snapshot?.variables).toMatchObject({ carrier: 'DHL' });
    });
  });

  describe('Scenario: a message boundary event interrupts a task', () => {
    it('Given packing is open, When a quality hold arrives, Then packing is cancelled and quarantine opens', async () => {
      const instance = await Instance.of(messages);
      await instance.start({ sampleId: 'S-1' });
      await instance.send({ type: 'message', name: 'LabResultReady' });
      await instance.send({ type: 'message', name: 'QualityHold', variables: { reason: 'contamination' } });
      expect(instance.openTasks()).toEqual(['quarantine']);
      expect(instance.historyOf('cancelled')).toEqual(['pack']);
      expect(instance.snapshot?.variables.reason).toBe('contamination');
    });
  });

  describe('Scenario: message start events', () => {
    const twoStarts = bpmn(`
      <message id="Msg_order" name="OrderReleased" />
      <process id="p" isExecutable="true">
        <startEvent id="manual" />
        <startEvent id="byErp"><messageEventDefinition messageRef="Msg_order" /></startEvent>
        <sequenceFlow id="f1" sourceRef="manual" targetRef="plan" />
        <sequenceFlow id="f2" sourceRef="byErp" targetRef="confirm" />
        <userTask id="plan" />
        <userTask id="confirm" />
      </process>`);

    it('Given a process with a none and a message start, When started plainly, Then only the none start runs and nothing subscribes', async () => {
      const instance = await Instance.of(twoStarts);
      await instance.start();
      expect(instance.openTasks()).toEqual(['plan']);
      expect(instance.snapshot?.subscriptions).toEqual([]);
      expect(instance.state?.start).toBe('none');
    });

    it('When started by the message, Then only the message start runs, with the message variables', async () => {
      const instance = await Instance.of(twoStarts);
      await instance.start({ orderId: 'WO-1' }, { messageName: 'OrderReleased' });
      expect(instance.openTasks()).toEqual(['confirm']);
      expect(instance.snapshot?.variables).toEqual({ orderId: 'WO-1' });
      expect(instance.state?.start).toBe('byErp');
      // the variant is kept: later events recover the same shape
      await instance.complete('confirm');
      expect(instance.last.outcome.status).toBe('completed');
    });

    it('When started by a message no start event catches, Then the start fails', async () => {
      const instance = await Instance.of(twoStarts);
      const result = await instance.start({}, { messageName: 'Unknown' });
      expect(result.outcome).toMatchObject({ status: 'failed', kind: 'model', message: expect.stringMatching(/No message start event/) });
    });

    it('Given a process with only a message start, When started plainly, Then it waits for the message as a subscription', async () => {
      const instance = await Instance.of(
        bpmn(`<message id="M" name="Go" /><process id="p" isExecutable="true">
          <startEvent id="s"><messageEventDefinition messageRef="M" /></startEvent>
          <sequenceFlow id="f" sourceRef="s" targetRef="t" /><userTask id="t" /></process>`),
      );
      await instance.start();
      expect(instance.snapshot?.subscriptions).toMatchObject([{ kind: 'message', name: 'Go', activityId: 's' }]);
      await instance.send({ type: 'message', name: 'Go' });
      expect(instance.openTasks()).toEqual(['t']);
    });
  });
});

describe('Feature: signals', () => {
  const alarm = bpmn(`
    <signal id="Sig_alarm" name="LineStop" />
    <process id="p" isExecutable="true">
      <startEvent id="start" />
      <sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
      <parallelGateway id="fork" />
      <sequenceFlow id="f2" sourceRef="fork" targetRef="waitA" />
      <sequenceFlow id="f3" sourceRef="fork" targetRef="waitB" />
      <intermediateCatchEvent id="waitA"><signalEventDefinition signalRef="Sig_alarm" /></intermediateCatchEvent>
      <intermediateCatchEvent id="waitB"><signalEventDefinition signalRef="Sig_alarm" /></intermediateCatchEvent>
      <sequenceFlow id="f4" sourceRef="waitA" targetRef="join" />
      <sequenceFlow id="f5" sourceRef="waitB" targetRef="join" />
      <parallelGateway id="join" />
      <sequenceFlow id="f6" sourceRef="join" targetRef="end" />
      <endEvent id="end" />
    </process>`);

  describe('Scenario: a signal reaches every subscription of the instance', () => {
    let instance: Instance;

    it('Given two catches of the same signal', async () => {
      instance = await Instance.of(alarm);
      await instance.start();
      expect(instance.snapshot?.subscriptions.map((s) => [s.kind, s.name, s.activityId])).toEqual([
        ['signal', 'LineStop', 'waitA'],
        ['signal', 'LineStop', 'waitB'],
      ]);
    });

    it('When the signal is broadcast once, Then both continue and the instance completes', async () => {
      await instance.send({ type: 'signal', name: 'LineStop', variables: { line: 3 } });
      expect(instance.last.outcome.status).toBe('completed');
      expect(instance.snapshot?.variables).toEqual({ line: 3 });
    });
  });

  describe('Scenario: an event-based gateway races a signal against a timer', () => {
    let instance: Instance;

    it('Given a gateway waiting for a signal or one hour', async () => {
      instance = await Instance.of(
        bpmn(`<signal id="S" name="Released" /><process id="p" isExecutable="true">
          <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
          <eventBasedGateway id="gw" />
          <sequenceFlow id="f2" sourceRef="gw" targetRef="released" /><sequenceFlow id="f3" sourceRef="gw" targetRef="timeout" />
          <intermediateCatchEvent id="released"><signalEventDefinition signalRef="S" /></intermediateCatchEvent>
          <intermediateCatchEvent id="timeout"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></intermediateCatchEvent>
          <sequenceFlow id="f4" sourceRef="released" targetRef="work" /><userTask id="work" />
          <sequenceFlow id="f5" sourceRef="timeout" targetRef="chase" /><userTask id="chase" />
        </process>`),
      );
      await instance.start();
      expect(instance.snapshot?.subscriptions).toMatchObject([{ kind: 'signal', name: 'Released', activityId: 'released' }]);
      expect(instance.timer('timeout').expireAt.getTime()).toBe(instance.now.getTime() + HOUR);
    });

    it('When the signal comes first, Then the timer is gone and work opens', async () => {
      await instance.send({ type: 'signal', name: 'Released' });
      expect(instance.openTasks()).toEqual(['work']);
      expect(instance.snapshot?.timers).toEqual([]);
      expect(instance.snapshot?.subscriptions).toEqual([]);
    });
  });

  describe('Scenario: a signal thrown by one instance reaches another instance', () => {
    let thrower: Instance;
    let waiter: Instance;

    it('Given one instance waiting for LineStop and another about to throw it', async () => {
      waiter = await Instance.of(alarm);
      await waiter.start();
      thrower = await Instance.of(
        bpmn(`<signal id="Sig" name="LineStop" /><message id="Msg" name="StopReported" /><process id="q" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="report" /><userTask id="report" />
          <sequenceFlow id="f2" sourceRef="report" targetRef="stopLine" />
          <intermediateThrowEvent id="stopLine"><signalEventDefinition signalRef="Sig" /></intermediateThrowEvent>
          <sequenceFlow id="f3" sourceRef="stopLine" targetRef="notify" />
          <endEvent id="notify"><messageEventDefinition messageRef="Msg" /></endEvent></process>`),
      );
      await thrower.start();
    });

    it('When the thrower completes its task, Then the run reports the signal and the message it threw', async () => {
      const result = await thrower.complete('report');
      expect(result.outcome.status).toBe('completed');
      expect(result.thrown).toEqual([
        { kind: 'signal', name: 'LineStop', activityId: 'stopLine', executionId: expect.any(String) },
        { kind: 'message', name: 'StopReported', activityId: 'notify', executionId: expect.any(String) },
      ]);
    });

    it('When the runtime broadcasts the signal to the waiting instance, Then both of its catches continue', async () => {
      const signal = thrower.last.thrown[0];
      await waiter.send({ type: 'signal', name: signal.name });
      expect(waiter.last.outcome.status).toBe('completed');
    });
  });
});
