/**
 * The admin answers' types (shared/control/admin-answers.ts) against the contract: the overview
 * sections the dashboard reads are exactly those the server fills from OVERVIEW_SECTIONS, each
 * typed with its command's result.
 */
import { expect } from 'chai';
import type { OverviewSections, Section } from '../../shared/control/admin-answers';
import { OVERVIEW_SECTIONS, type AdminCommand, type ResultOf } from '../../shared/control/contract';

/** The admin commands whose result a section of type `S` can hold. */
type CommandsFilling<S> = { [C in AdminCommand]: Section<ResultOf<C>> extends S ? C : never }[AdminCommand];

/** Every section the type declares, with the command that fills it (checked by the compiler). */
const DECLARED: { [K in keyof OverviewSections]: CommandsFilling<OverviewSections[K]> } = {
  processes: 'process.show',
  tasks: 'task.status',
  webhooks: 'task.webhooks',
  cron: 'crontab.show',
};

describe('admin answers (types shared by the server and the dashboard)', () => {
  it('declares one overview section per command the contract marks overview, under its key', () => {
    const filled = OVERVIEW_SECTIONS.map(({ key, command }) => [key, command]);
    expect(filled).to.deep.equal(Object.entries(DECLARED));
  });
});
