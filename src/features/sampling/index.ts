// The sampling feature: Open Sampling Lab (the next-token distribution under temperature, top-k and top-p,
// generation step by step, strategies compared) and Show Token Surprise (how much the model expected each
// token of the user's text), and their part of the extension's API object.

import * as vscode from 'vscode';
import { readConfig } from '../../config';
import type { StepChoice } from '../../engine/sampling/index';
import { targetEditor } from '../../host/editorTarget';
import type { HostContext, Registered } from '../../host/feature';
import type { CommandTable } from '../../host/commands';
import type { SamplingCommand } from './core/commandNames';
import type { EngineClient } from '../../worker/engine/client';
import type { LabRun, LabSnapshot, LensLayer } from '../../worker/engine/samplingProtocol';
import type { SurpriseSpan } from './core/surprise';
import { SamplingLab, type OpenLabResult } from './labPanel';
import type { LabParams, LabRenderReport } from './protocol';
import { SurpriseView, type SurprisePart, type SurpriseResult } from './surpriseView';

export function register(ctx: HostContext, engine: EngineClient): Registered<{ sampling: SamplingApi }> {
  const lab = new SamplingLab({
    extensionUri: ctx.extension.extensionUri,
    engine,
    notify: ctx.notify,
    log: ctx.log,
    compareSettings: () => ({
      strategies: readConfig().sampling.compareStrategies,
      tokens: readConfig().sampling.compareTokens,
    }),
  });
  const surprise = new SurpriseView({ engine, notify: ctx.notify, log: ctx.log, thresholds: () => readConfig().surprise.rankThresholds });
  ctx.extension.subscriptions.push(lab, surprise);
  const commands: CommandTable<SamplingCommand> = {
    openSamplingLab: (target?: unknown, prompt?: unknown) => lab.open(targetEditor(target), typeof prompt === 'string' ? prompt : undefined),
    showTokenSurprise: (target?: unknown) => surprise.show(targetEditor(target)),
    showTokenSurpriseValidation: (target?: unknown) => surprise.show(targetEditor(target), { validation: true }),
    hideTokenSurprise: () => surprise.hide(),
  };
  return { commands, api: { sampling: samplingApi(lab, surprise) } };
}


/** The sampling part of the extension's API object (integration tests). */
export interface SamplingApi {
  lab: {
    /** Open Sampling Lab on an editor's text before the cursor, or on a prompt; resolves once the page drew it. */
    open(options?: { editor?: vscode.TextEditor; prompt?: string }): Promise<OpenLabResult & { report?: LabRenderReport }>;
    setParams(params: LabParams): Promise<{ snapshot?: LabSnapshot; report: LabRenderReport }>;
    step(choice: StepChoice): Promise<{ snapshot?: LabSnapshot; report: LabRenderReport }>;
    undo(): Promise<{ snapshot?: LabSnapshot; report: LabRenderReport }>;
    showStep(at: number | undefined): Promise<{ snapshot?: LabSnapshot; report: LabRenderReport }>;
    compare(maxNewTokens?: number): Promise<LabRun[]>;
    lens(): Promise<LensLayer[]>;
    insert(): Promise<{ ok: boolean; text: string; uri?: string }>;
    snapshot(): LabSnapshot | undefined;
    reports(): readonly LabRenderReport[];
    isOpen(): boolean;
    close(): void;
  };
  surprise: {
    show(options?: { editor?: vscode.TextEditor; validation?: boolean }): Promise<SurpriseResult>;
    /** Scores the lines now visible in the editor (what scrolling does after a pause). */
    scoreVisible(editor: vscode.TextEditor): Promise<void>;
    spans(): readonly SurpriseSpan[];
    parts(): readonly SurprisePart[];
    hover(document: vscode.TextDocument, position: vscode.Position): string | undefined;
    status(): string | undefined;
    hide(): void;
  };
}

function samplingApi(lab: SamplingLab, surprise: SurpriseView): SamplingApi {
  const drawn = async (snapshot: Promise<LabSnapshot | undefined>) => {
    const s = await snapshot;
    return { ...(s ? { snapshot: s } : {}), report: await lab.whenRendered() };
  };
  return {
    lab: {
      open: async (options) => {
        const result = await lab.open(options?.editor ?? vscode.window.activeTextEditor, options?.prompt);
        return result.ok ? { ...result, report: await lab.whenRendered(result.seq) } : result;
      },
      setParams: (params) => drawn(lab.setParams(params)),
      step: (choice) => drawn(lab.step(choice)),
      undo: () => drawn(lab.undo()),
      showStep: (at) => drawn(lab.showStep(at)),
      compare: (n) => lab.compare(n),
      lens: () => lab.lens(),
      insert: () => lab.insert(),
      snapshot: () => lab.snapshot(),
      reports: () => lab.renderReports(),
      isOpen: () => lab.isOpen,
      close: () => lab.close(),
    },
    surprise: {
      show: (options) => surprise.show(options?.editor ?? vscode.window.activeTextEditor, { validation: options?.validation }),
      scoreVisible: (editor) => surprise.scoreVisible(editor),
      spans: () => surprise.spans(),
      parts: () => surprise.parts(),
      hover: (document, position) => surprise.hoverMarkdown(document, position),
      status: () => surprise.statusText(),
      hide: () => surprise.hide(),
    },
  };
}
