import { z } from "zod";

/**
 * Tolerant schemas of the Gemini generateContent wire format (ai.google.dev/api/generate-content), shared by
 * Google AI Studio and Vertex AI. Only what we read is declared; unknown part kinds, finish reasons and usage
 * counters pass through untouched.
 */

const partialArgSchema = z.looseObject({
  jsonPath: z.string(),
  stringValue: z.string().optional(),
  numberValue: z.number().optional(),
  boolValue: z.boolean().optional(),
  nullValue: z.unknown().optional(),
  willContinue: z.boolean().optional(),
});
export type GeminiPartialArg = z.infer<typeof partialArgSchema>;

export const geminiPartSchema = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
  functionCall: z
    .looseObject({
      id: z.string().optional(),
      name: z.string().optional(),
      args: z.record(z.string(), z.unknown()).nullish(),
      partialArgs: z.array(partialArgSchema).optional(),
      willContinue: z.boolean().optional(),
    })
    .optional(),
});
export type GeminiPart = z.infer<typeof geminiPartSchema>;

export const geminiUsageSchema = z.looseObject({
  promptTokenCount: z.number().optional(),
  candidatesTokenCount: z.number().optional(),
  thoughtsTokenCount: z.number().optional(),
  cachedContentTokenCount: z.number().optional(),
  toolUsePromptTokenCount: z.number().optional(),
  totalTokenCount: z.number().optional(),
});
export type GeminiUsage = z.infer<typeof geminiUsageSchema>;

export const geminiCandidateSchema = z.looseObject({
  index: z.number().optional(),
  content: z
    .looseObject({ parts: z.array(geminiPartSchema).optional(), role: z.string().optional() })
    .optional(),
  finishReason: z.string().optional(),
});
export type GeminiCandidate = z.infer<typeof geminiCandidateSchema>;

export const geminiResponseSchema = z.looseObject({
  candidates: z.array(geminiCandidateSchema).optional(),
  promptFeedback: z.looseObject({ blockReason: z.string().optional() }).optional(),
  usageMetadata: geminiUsageSchema.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
  createTime: z.string().optional(),
});
export type GeminiResponse = z.infer<typeof geminiResponseSchema>;

export const geminiErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(z.looseObject({ "@type": z.string().optional() })).optional(),
  }),
});
export type GeminiErrorBody = z.infer<typeof geminiErrorBodySchema>;

/** Request parts we build (output side, typed exactly). */
export type GeminiRequestPart =
  | { text: string; thoughtSignature?: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { id?: string; name: string; args: Record<string, unknown> }; thoughtSignature?: string }
  | { functionResponse: { id?: string; name: string; response: Record<string, unknown> } };

export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiRequestPart[];
}
