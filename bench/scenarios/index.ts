/** Every scenario, by name, in the order a run takes them. */
import type { ScenarioName } from '../options';
import { durableScenario } from './durable';
import { fanoutScenario } from './fanout';
import { holdScenario } from './hold';
import { hostsScenario } from './hosts';
import { idleScenario } from './idle';
import { latencyScenario } from './latency';
import { loginScenario } from './login';
import type { Scenario } from './scenario';
import { stormScenario } from './storm';
import { targetedScenario } from './targeted';

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  idle: idleScenario,
  fanout: fanoutScenario,
  latency: latencyScenario,
  targeted: targetedScenario,
  login: loginScenario,
  storm: stormScenario,
  hold: holdScenario,
  durable: durableScenario,
  hosts: hostsScenario,
};

export type { MetricSpec, Metrics, Scenario, ScenarioResult, Unit } from './scenario';
