import { create, toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../shared/gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../shared/gen/grpc/reflection/v1alpha/reflection_pb.js";

type ReflectionRequest = v1.ServerReflectionRequest;
type ReflectionAnswer = v1.ServerReflectionResponse["messageResponse"];

/** gRPC's NOT_FOUND status number, as reflection error responses carry it. */
const GRPC_NOT_FOUND = 5;

/**
 * The index reflection answers from: every file that declares one of the served services,
 * with their dependencies, and every symbol those files declare.
 */
class DescriptorIndex {
  readonly files = new Map<string, DescFile>();
  readonly symbols = new Map<string, DescFile>();
  readonly encoded = new Map<string, Uint8Array>();

  constructor(readonly services: readonly DescService[]) {
    for (const service of services) this.addFile(service.file);
  }

  private addFile(file: DescFile): void {
    if (this.files.has(file.name)) return;
    this.files.set(file.name, file);
    this.encoded.set(file.name, toBinary(FileDescriptorProtoSchema, file.proto));
    for (const dep of file.dependencies) this.addFile(dep);
    for (const service of file.services) {
      this.symbols.set(service.typeName, file);
      for (const method of service.methods) this.symbols.set(`${service.typeName}.${method.name}`, file);
    }
    for (const e of file.enums) this.symbols.set(e.typeName, file);
    for (const m of file.messages) this.addMessage(m, file);
  }

  private addMessage(message: DescFile["messages"][number], file: DescFile): void {
    this.symbols.set(message.typeName, file);
    for (const field of message.fields) this.symbols.set(`${message.typeName}.${field.name}`, file);
    for (const nested of message.nestedMessages) this.addMessage(nested, file);
    for (const e of message.nestedEnums) this.symbols.set(e.typeName, file);
  }

  /** The file and everything it imports, transitively, serialized (reflection clients expect all). */
  withDependencies(file: DescFile): Uint8Array[] {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (f: DescFile) => {
      if (seen.has(f.name)) return;
      seen.add(f.name);
      out.push(this.encoded.get(f.name) ?? toBinary(FileDescriptorProtoSchema, f.proto));
      f.dependencies.forEach(visit);
    };
    visit(file);
    return out;
  }

  answer(req: ReflectionRequest): ReflectionAnswer {
    const request = req.messageRequest;
    const notFound = (what: string): ReflectionAnswer => ({
      case: "errorResponse",
      value: create(v1.ErrorResponseSchema, { errorCode: GRPC_NOT_FOUND, errorMessage: `${what} not found` }),
    });
    const files = (file: DescFile | undefined, what: string): ReflectionAnswer =>
      file ? { case: "fileDescriptorResponse", value: create(v1.FileDescriptorResponseSchema, { fileDescriptorProto: this.withDependencies(file) }) } : notFound(what);
    switch (request.case) {
      case "listServices":
        return {
          case: "listServicesResponse",
          value: create(v1.ListServiceResponseSchema, {
            service: this.services.map((s) => create(v1.ServiceResponseSchema, { name: s.typeName })),
          }),
        };
      case "fileByFilename":
        return files(this.files.get(request.value), `file ${request.value}`);
      case "fileContainingSymbol":
        return files(this.symbols.get(request.value.replace(/^\./, "")), `symbol ${request.value}`);
      case "fileContainingExtension":
        return notFound(`extension ${request.value.extensionNumber} of ${request.value.containingType}`);
      case "allExtensionNumbersOfType":
        // None of our messages is extended: a known type has an empty list.
        return this.symbols.has(request.value)
          ? { case: "allExtensionNumbersResponse", value: create(v1.ExtensionNumberResponseSchema, { baseTypeName: request.value }) }
          : notFound(`type ${request.value}`);
      default:
        return {
          case: "errorResponse",
          value: create(v1.ErrorResponseSchema, { errorCode: 3, errorMessage: "empty reflection request" }),
        };
    }
  }
}

/** The reflection services `registerReflection` adds (with --devmode). */
export const REFLECTION_SERVICES: readonly DescService[] = [v1.ServerReflection, v1alpha.ServerReflection];

/**
 * Registers gRPC server reflection, v1 and v1alpha, describing `services` (and itself), so that
 * `buf curl --reflect`, grpcurl and Postman discover the API. Only served with `--devmode`.
 */
export function registerReflection(router: ConnectRouter, services: readonly DescService[]): void {
  const index = new DescriptorIndex([...services, v1.ServerReflection, v1alpha.ServerReflection]);
  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield create(v1.ServerReflectionResponseSchema, { validHost: req.host, originalRequest: req, messageResponse: index.answer(req) });
      }
    },
  });
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        // v1alpha's messages have v1's exact shape; only their type names differ.
        const asV1 = req as unknown as ReflectionRequest;
        yield create(v1alpha.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: index.answer(asV1) as unknown as v1alpha.ServerReflectionResponse["messageResponse"],
        });
      }
    },
  });
}
